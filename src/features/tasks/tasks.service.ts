// The task runner as administrators see it: every registered task with its schedule state,
// queued and failed ad-hoc jobs, the recent log; running a task now; pausing a schedule.

import type { AppContext } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import type { RunSummary } from "../../jobs/queue.js";
import { findTask, listTasks } from "../../jobs/registry.js";
import { NotFoundError } from "../../shared/errors.js";
import * as repo from "./tasks.repository.js";

export type { JobRow, TaskLogEntry } from "./tasks.repository.js";

export interface ScheduledTaskView {
  name: string;
  description: string;
  intervalSeconds: number;
  enabled: boolean;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastMessage: string | null;
  lastDurationMs: number | null;
  nextRunAt: string | null;
  failures: number;
}

export interface AdHocTaskType {
  name: string;
  description: string;
  maxAttempts: number;
}

export async function listScheduledTasks(db: Db): Promise<ScheduledTaskView[]> {
  const rows = new Map((await repo.listSchedules(db)).map((r) => [r.name, r]));
  const out: ScheduledTaskView[] = [];
  for (const def of listTasks()) {
    if (!def.schedule) continue;
    const row = rows.get(def.name);
    out.push({
      name: def.name,
      description: def.description,
      intervalSeconds: row?.intervalSeconds ?? def.schedule.intervalSeconds,
      enabled: row?.enabled ?? true,
      lastRunAt: row?.lastRunAt ?? null,
      lastStatus: row?.lastStatus ?? null,
      lastMessage: row?.lastMessage ?? null,
      lastDurationMs: row?.lastDurationMs ?? null,
      nextRunAt: row?.nextRunAt ?? null,
      failures: row?.failures ?? 0,
    });
  }
  return out;
}

export function listAdHocTaskTypes(): AdHocTaskType[] {
  return listTasks()
    .filter((d) => !d.schedule)
    .map((d) => ({ name: d.name, description: d.description, maxAttempts: d.maxAttempts }));
}

export const LOG_ENTRIES = 50;
export const JOBS_SHOWN = 100;

export async function tasksOverview(db: Db) {
  const [scheduled, jobs, counts, log] = await Promise.all([
    listScheduledTasks(db),
    repo.listJobs(db, ["pending", "running", "failed"], JOBS_SHOWN),
    repo.countJobsByStatus(db),
    repo.listTaskLog(db, LOG_ENTRIES),
  ]);
  return { scheduled, adHoc: listAdHocTaskTypes(), jobs, counts, log };
}

/** Runs a scheduled task now, whatever its schedule; unknown names are NotFoundError. */
export async function runTaskNow(ctx: AppContext, name: string): Promise<RunSummary> {
  return ctx.jobs.runNow(name);
}

export async function setTaskEnabled(db: Db, name: string, enabled: boolean): Promise<void> {
  if (!findTask(name)?.schedule || !(await repo.updateScheduleEnabled(db, name, enabled))) {
    throw new NotFoundError(`Scheduled task ${name}`);
  }
}

export const deleteFinishedJobs = repo.deleteFinishedJobs;
export const deleteTaskLogBefore = repo.deleteTaskLogBefore;
