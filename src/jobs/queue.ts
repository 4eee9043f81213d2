// A durable task runner in the database: scheduled tasks and ad-hoc jobs, at-least-once,
// retries with exponential backoff. Enqueue takes the caller's transaction (outbox), so work
// that must not be lost is written with the change that caused it. Several processes claim jobs
// safely, each claim one UPDATE statement (on PostgreSQL with SKIP LOCKED); a scheduled run is
// claimed by a compare-and-set on next_run_at, so exactly one process starts it.
// Stopping (the process got SIGTERM or SIGINT) claims nothing more, gives back the jobs claimed but
// not started, and lets running handlers finish within a grace period; a handler still running then
// is cut off (its signal is aborted) and its job given back to run again, on this node or another.
// One file past ~300 lines on purpose: enqueue, claim, run, retry and stop share the claim protocol and
// its SQL, which reads best in one place.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { AppContext } from "../app/context.js";
import type { Db } from "../db/database.js";
import type { Engine } from "../db/dialect.js";
import type { Database } from "../db/schema.js";
import { addSeconds, type Clock, iso } from "../shared/clock.js";
import { NotFoundError } from "../shared/errors.js";
import { findTask, listTasks, type TaskDefinition } from "./registry.js";

export interface EnqueueOptions {
  runAt?: Date;
  /** At most one pending job per key: a second enqueue with the same key is a no-op. */
  dedupeKey?: string;
}

export interface RunSummary {
  task: string;
  status: "ok" | "failed" | "retry" | "deferred";
  message: string;
  durationMs: number;
}

const LOCK_SECONDS = 300;
/** After the grace period, how long a cut-off handler has to give up before stop() returns anyway. */
const CUT_OFF_ALLOWANCE_MS = 2000;
const CUT_OFF_MESSAGE = "cut off: the process stopped before the run finished; it runs again";
/** First key of the PostgreSQL advisory locks that serialise enqueues per dedupe key. */
const DEDUPE_LOCK_CLASS = 7_370_001;

export class JobQueue {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** Handlers running now, from the poll or from runNow (an admin's "Run now"). */
  private running = 0;
  private stopping = false;
  /** Claimed by this runner and not started yet: given back at once when it stops. */
  private readonly unstarted = new Set<number>();
  private readonly cutOff = new AbortController();
  private stopped: Promise<boolean> | undefined;
  private ctx: AppContext | undefined;

  constructor(
    private readonly db: Db,
    private readonly engine: Engine,
    private readonly clock: Clock,
  ) {}

  /** The runner needs the full context to hand to handlers; set once the context exists. */
  attach(ctx: AppContext): void {
    this.ctx = ctx;
  }

  async enqueue(trx: Db, name: string, payload: unknown, opts: EnqueueOptions = {}): Promise<void> {
    const def = findTask(name);
    if (!def) throw new Error(`unknown task ${name}`);
    const now = iso(this.clock.now());
    const key = opts.dedupeKey;
    const job = {
      name,
      payload: JSON.stringify(payload ?? {}),
      status: "pending",
      run_at: iso(opts.runAt ?? this.clock.now()),
      attempts: 0,
      max_attempts: def.maxAttempts,
      dedupe_key: key ?? null,
      created_at: now,
      updated_at: now,
    };
    if (!key) {
      await trx.insertInto("jobs").values(job).execute();
      return;
    }
    if (this.engine === "sqlite") {
      // One statement, which takes the write lock before it looks for a pending job of the key:
      // a concurrent enqueue of the key waits for it (busy timeout), then sees its job. A read
      // followed by an insert would fail at once with SQLITE_BUSY instead of waiting.
      const columns = Object.keys(job) as Array<keyof typeof job>;
      await trx
        .insertInto("jobs")
        .columns(columns)
        .expression(
          trx
            .selectNoFrom((eb) => columns.map((c) => eb.val(job[c]).as(c)))
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom("jobs")
                    .select("id")
                    .where("dedupe_key", "=", key)
                    .where("status", "=", "pending"),
                ),
              ),
            ),
        )
        .execute();
      return;
    }
    if (!trx.isTransaction) {
      await trx.transaction().execute((t) => this.enqueue(t, name, payload, opts));
      return;
    }
    // Two transactions enqueueing one key at once: the second waits here until the first
    // commits, then sees its job below.
    await sql`select pg_advisory_xact_lock(${DEDUPE_LOCK_CLASS}, hashtext(${key}))`.execute(trx);
    const existing = await trx
      .selectFrom("jobs")
      .select("id")
      .where("dedupe_key", "=", key)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (!existing) await trx.insertInto("jobs").values(job).execute();
  }

  /** Inserts a row for every registered scheduled task that has none yet. */
  async syncSchedules(): Promise<void> {
    const now = this.clock.now();
    for (const def of listTasks()) {
      if (!def.schedule) continue;
      await this.db
        .insertInto("scheduled_tasks")
        .values({
          name: def.name,
          interval_seconds: def.schedule.intervalSeconds,
          enabled: 1,
          next_run_at: iso(addSeconds(now, Math.min(60, def.schedule.intervalSeconds))),
          failures: 0,
        })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
    }
  }

  /**
   * Claims up to `limit` due jobs for this worker in one statement. A transaction that read the due
   * jobs and then wrote them would, on SQLite, be a read turned into a write, which fails at once
   * with SQLITE_BUSY when another process writes meanwhile (the busy timeout does not apply to it);
   * one UPDATE takes the write lock before it reads. On PostgreSQL the due rows are locked with SKIP
   * LOCKED, so runners claiming at the same time take different jobs; the materialized CTE picks
   * them exactly once.
   */
  async claimDue(
    limit: number,
  ): Promise<Array<{ id: number; name: string; payload: string; attempts: number; max_attempts: number }>> {
    const now = this.clock.now();
    const lockUntil = iso(addSeconds(now, LOCK_SECONDS));
    const nowIso = iso(now);
    const postgres = this.engine === "postgres";
    return this.db
      .with(
        (cte) => cte("due").materialized(),
        (db) => {
          const q = db
            .selectFrom("jobs")
            .select("id")
            .where((eb) =>
              eb.or([
                eb.and([eb("status", "=", "pending"), eb("run_at", "<=", nowIso)]),
                eb.and([eb("status", "=", "running"), eb("locked_until", "<", nowIso)]),
              ]),
            )
            .orderBy("run_at")
            .limit(limit);
          return postgres ? q.forUpdate().skipLocked() : q;
        },
      )
      .updateTable("jobs")
      .set({
        status: "running",
        locked_until: lockUntil,
        locked_by: this.workerId,
        attempts: sql`attempts + 1`,
        updated_at: nowIso,
      })
      .where("id", "in", (eb) => eb.selectFrom("due").select("id"))
      .returning(["id", "name", "payload", "attempts", "max_attempts"])
      .execute();
  }

  /**
   * Runs every job that is due now; returns how many ran. A job's outcome is written only while this
   * runner still holds it: a runner that stalled past its lock finds the job claimed by another and
   * leaves it to that one.
   */
  async runDueJobs(limit = 50): Promise<number> {
    if (this.stopping) return 0;
    const jobs = await this.claimDue(limit);
    for (const job of jobs) this.unstarted.add(job.id);
    for (const job of jobs) {
      // stop() gave back the jobs not started yet.
      if (this.stopping) break;
      this.unstarted.delete(job.id);
      const def = findTask(job.name);
      const started = this.clock.now();
      let status: RunSummary["status"] = "ok";
      let message = "";
      try {
        if (!def) throw new Error(`no handler for task ${job.name}`);
        const result = await this.runHandler(def, JSON.parse(job.payload));
        message = result?.message ?? "";
        if (result?.runAgainAt) status = "deferred";
        await this.db
          .updateTable("jobs")
          .set(
            result?.runAgainAt
              ? {
                  status: "pending",
                  run_at: iso(result.runAgainAt),
                  attempts: sql`attempts - 1`,
                  locked_until: null,
                  updated_at: iso(this.clock.now()),
                }
              : { status: "done", locked_until: null, last_error: null, updated_at: iso(this.clock.now()) },
          )
          .where("id", "=", job.id)
          .where("locked_by", "=", this.workerId)
          .where("status", "=", "running")
          .execute();
      } catch (err) {
        if (this.cutOff.signal.aborted) {
          status = "retry";
          message = CUT_OFF_MESSAGE;
          await this.giveBack([job.id], message);
          await this.log(job.name, job.id, started, status, message);
          continue;
        }
        message = errorMessage(err);
        const retry = job.attempts < job.max_attempts && def !== undefined;
        status = retry ? "retry" : "failed";
        await this.db
          .updateTable("jobs")
          .set({
            status: retry ? "pending" : "failed",
            run_at: retry
              ? iso(addSeconds(this.clock.now(), def.backoffSeconds(job.attempts)))
              : iso(started),
            locked_until: null,
            last_error: message,
            updated_at: iso(this.clock.now()),
          })
          .where("id", "=", job.id)
          .where("locked_by", "=", this.workerId)
          .where("status", "=", "running")
          .execute();
        this.ctx?.log.warn(
          { task: job.name, jobId: job.id, attempt: job.attempts, err: message },
          "job failed",
        );
      }
      await this.log(job.name, job.id, started, status, message);
    }
    // Claimed while stop() was giving back the others: given back here.
    const late = jobs.filter((j) => this.unstarted.delete(j.id)).map((j) => j.id);
    await this.giveBack(late);
    return jobs.length;
  }

  /**
   * Puts jobs this runner claimed back in the queue, due now and with the attempt not counted:
   * they were not run, or cut off by a stop. Only while this runner still holds them.
   */
  private async giveBack(ids: number[], lastError?: string): Promise<void> {
    if (ids.length === 0) return;
    const now = iso(this.clock.now());
    await this.db
      .updateTable("jobs")
      .set({
        status: "pending",
        run_at: now,
        attempts: sql`attempts - 1`,
        locked_until: null,
        updated_at: now,
        ...(lastError ? { last_error: lastError } : {}),
      })
      .where("id", "in", ids)
      .where("locked_by", "=", this.workerId)
      .where("status", "=", "running")
      .execute();
  }

  /** Starts every scheduled task whose time has come, each claimed by one process only. */
  async runDueScheduled(): Promise<RunSummary[]> {
    const nowIso = iso(this.clock.now());
    const due = await this.db
      .selectFrom("scheduled_tasks")
      .selectAll()
      .where("enabled", "=", 1)
      .where("next_run_at", "<=", nowIso)
      .execute();
    const out: RunSummary[] = [];
    for (const row of due) {
      if (this.stopping) break;
      const def = findTask(row.name);
      if (!def?.schedule) continue;
      const claimed = await this.db
        .updateTable("scheduled_tasks")
        .set({ next_run_at: iso(addSeconds(this.clock.now(), row.interval_seconds)) })
        .where("name", "=", row.name)
        .where("next_run_at", "=", row.next_run_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      out.push(await this.runScheduled(def));
    }
    return out;
  }

  /** Runs one scheduled task now, whatever its schedule (CLI, API, admin "Run now"). */
  async runNow(name: string): Promise<RunSummary> {
    const def = findTask(name);
    if (!def?.schedule) throw new NotFoundError(`Scheduled task ${name}`);
    return this.runScheduled(def);
  }

  private async runScheduled(def: TaskDefinition): Promise<RunSummary> {
    const started = this.clock.now();
    let status: RunSummary["status"] = "ok";
    let message = "";
    try {
      message = (await this.runHandler(def, {}))?.message ?? "";
    } catch (err) {
      if (this.cutOff.signal.aborted) {
        // Not a failure of the task: it runs again now, on another node or after the restart.
        await this.db
          .updateTable("scheduled_tasks")
          .set({ next_run_at: iso(this.clock.now()) })
          .where("name", "=", def.name)
          .execute();
        await this.log(def.name, null, started, "retry", CUT_OFF_MESSAGE);
        return {
          task: def.name,
          status: "retry",
          message: CUT_OFF_MESSAGE,
          durationMs: this.clock.now().getTime() - started.getTime(),
        };
      }
      status = "failed";
      message = errorMessage(err);
      this.ctx?.log.warn({ task: def.name, err: message }, "scheduled task failed");
    }
    const durationMs = this.clock.now().getTime() - started.getTime();
    const row = await this.db
      .selectFrom("scheduled_tasks")
      .select(["failures", "interval_seconds"])
      .where("name", "=", def.name)
      .executeTakeFirst();
    const failures = status === "ok" ? 0 : (row?.failures ?? 0) + 1;
    const update: Partial<Database["scheduled_tasks"]> = {
      last_run_at: iso(started),
      last_status: status,
      last_message: message,
      last_duration_ms: durationMs,
      failures,
    };
    // A failing task is retried sooner than its interval, backing off exponentially.
    if (status !== "ok" && row) {
      const wait = Math.min(row.interval_seconds, def.backoffSeconds(failures));
      update.next_run_at = iso(addSeconds(this.clock.now(), wait));
    }
    await this.db.updateTable("scheduled_tasks").set(update).where("name", "=", def.name).execute();
    await this.log(def.name, null, started, status, message);
    return { task: def.name, status, message, durationMs };
  }

  private async log(task: string, jobId: number | null, started: Date, status: string, message: string) {
    await this.db
      .insertInto("task_log")
      .values({
        task,
        job_id: jobId,
        started_at: iso(started),
        duration_ms: this.clock.now().getTime() - started.getTime(),
        status,
        message: message.slice(0, 2000),
      })
      .execute();
  }

  /** Polls for due work every `intervalMs` until stopped. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.runDueScheduled();
      while (!this.stopping && (await this.runDueJobs()) > 0) {
        /* drain */
      }
    } catch (err) {
      this.ctx?.log.error({ err: errorMessage(err) }, "task runner tick failed");
    } finally {
      this.busy = false;
    }
  }

  /**
   * Stops claiming work at once, gives back the jobs claimed but not started, and waits up to
   * `graceMs` for the running ones. A run still going then is cut off: its signal is aborted, and its
   * job goes back to the queue (a scheduled task is due again). Resolves true when nothing runs any
   * more; false when a handler ignored the signal, whose job then runs again once its lock ends.
   * Later calls answer what the first one did.
   */
  stop(graceMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.stopped ??= this.stopRunning(graceMs);
    return this.stopped;
  }

  private async stopRunning(graceMs: number): Promise<boolean> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const unstarted = [...this.unstarted];
    this.unstarted.clear();
    await this.giveBack(unstarted);
    if (await this.idleWithin(graceMs)) return true;
    this.cutOff.abort(new Error(CUT_OFF_MESSAGE));
    return this.idleWithin(CUT_OFF_ALLOWANCE_MS);
  }

  private async runHandler(def: TaskDefinition, payload: unknown) {
    this.running++;
    try {
      return await def.handler(this.requireCtx(), payload, { signal: this.cutOff.signal });
    } finally {
      this.running--;
    }
  }

  private async idleWithin(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.busy || this.running > 0) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  private requireCtx(): AppContext {
    if (!this.ctx) throw new Error("JobQueue.attach() was not called");
    return this.ctx;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
