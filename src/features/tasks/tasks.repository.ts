// Reads the task runner's tables for the admin page and the API, and switches schedules on and
// off. Claiming and running stay in src/jobs/queue.ts.
import type { Db } from "../../db/database.js";

export interface ScheduleRow {
  name: string;
  intervalSeconds: number;
  enabled: boolean;
  nextRunAt: string;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastMessage: string | null;
  lastDurationMs: number | null;
  failures: number;
}

export interface JobRow {
  id: number;
  name: string;
  status: string;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TaskLogEntry {
  id: number;
  task: string;
  jobId: number | null;
  startedAt: string;
  durationMs: number;
  status: string;
  message: string;
}

export async function listSchedules(db: Db): Promise<ScheduleRow[]> {
  const rows = await db.selectFrom("scheduled_tasks").selectAll().orderBy("name").execute();
  return rows.map((r) => ({
    name: r.name,
    intervalSeconds: r.interval_seconds,
    enabled: r.enabled === 1,
    nextRunAt: r.next_run_at,
    lastRunAt: r.last_run_at,
    lastStatus: r.last_status,
    lastMessage: r.last_message,
    lastDurationMs: r.last_duration_ms,
    failures: r.failures,
  }));
}

/** Returns false when there is no schedule of that name. */
export async function updateScheduleEnabled(db: Db, name: string, enabled: boolean): Promise<boolean> {
  const r = await db
    .updateTable("scheduled_tasks")
    .set({ enabled: enabled ? 1 : 0 })
    .where("name", "=", name)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listJobs(db: Db, statuses: string[], limit: number): Promise<JobRow[]> {
  const rows = await db
    .selectFrom("jobs")
    .select([
      "id",
      "name",
      "status",
      "run_at",
      "attempts",
      "max_attempts",
      "last_error",
      "created_at",
      "updated_at",
    ])
    .where("status", "in", statuses)
    .orderBy("run_at")
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    runAt: r.run_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export async function countJobsByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("jobs")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export async function listTaskLog(db: Db, limit: number): Promise<TaskLogEntry[]> {
  const rows = await db.selectFrom("task_log").selectAll().orderBy("id", "desc").limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    task: r.task,
    jobId: r.job_id,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    status: r.status,
    message: r.message,
  }));
}

/** Deletes done jobs last updated before `before`; returns how many. */
export async function deleteFinishedJobs(db: Db, before: string): Promise<number> {
  const r = await db
    .deleteFrom("jobs")
    .where("status", "=", "done")
    .where("updated_at", "<", before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes task log entries started before `before`; returns how many. */
export async function deleteTaskLogBefore(db: Db, before: string): Promise<number> {
  const r = await db.deleteFrom("task_log").where("started_at", "<", before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
