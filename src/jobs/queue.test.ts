import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep, setImmediate as yieldToOthers } from "node:timers/promises";
import { createTestDatabase, testEngines } from "../../test/support/db.js";
import type { AppContext } from "../app/context.js";
import { parseConfig } from "../config/config.js";
import type { Engine } from "../db/dialect.js";
import { createContext } from "../main/bootstrap.js";
import { FakeClock, iso } from "../shared/clock.js";
import { NotFoundError } from "../shared/errors.js";
import { JobQueue } from "./queue.js";
import { exponentialBackoff, registerTask } from "./registry.js";

// Handlers record what they were given; each test uses its own payload tags.
const seen: unknown[] = [];
let slowRuns = 0;
let failScheduled = true;

registerTask({
  name: "test_record",
  description: "records its payload",
  maxAttempts: 3,
  backoffSeconds: exponentialBackoff(10),
  handler: async (_ctx, payload) => {
    seen.push(payload);
    return { message: "recorded" };
  },
});
registerTask({
  name: "test_always_fails",
  description: "fails every time",
  maxAttempts: 3,
  backoffSeconds: exponentialBackoff(10),
  handler: async () => {
    throw new Error("upstream timed out");
  },
});
// Asks to run again 30 s later while `busyRuns` is above zero, as a send whose item another node holds.
let busyRuns = 0;
registerTask({
  name: "test_busy",
  description: "asks to run again later while busy",
  maxAttempts: 2,
  backoffSeconds: exponentialBackoff(10),
  handler: async (ctx) => {
    if (busyRuns-- > 0) return { message: "busy", runAgainAt: new Date(ctx.clock.now().getTime() + 30_000) };
    return { message: "done at last" };
  },
});
// Runs until `releaseStalled` is called, as a job on a node that stalls past its lock.
let releaseStalled: () => void = () => {};
let stalledFails = false;
registerTask({
  name: "test_stalled",
  description: "waits until released",
  maxAttempts: 3,
  backoffSeconds: exponentialBackoff(10),
  handler: async () => {
    await new Promise<void>((resolve) => {
      releaseStalled = resolve;
    });
    if (stalledFails) throw new Error("late failure");
    return { message: "finished late" };
  },
});
registerTask({
  name: "test_sched_slow",
  description: "a scheduled task that takes a while",
  schedule: { intervalSeconds: 300 },
  maxAttempts: 1,
  backoffSeconds: exponentialBackoff(30),
  handler: async () => {
    slowRuns++;
    await sleep(40);
    return { message: "slow done" };
  },
});
registerTask({
  name: "test_sched_flaky",
  description: "a scheduled task that fails while failScheduled is set",
  schedule: { intervalSeconds: 3600 },
  maxAttempts: 1,
  backoffSeconds: exponentialBackoff(30),
  handler: async () => {
    if (failScheduled) throw new Error("service down");
    return { message: "fine" };
  },
});

// Counts the runs of each job across nodes; yields so that the other node's claims interleave.
const nodeRuns = new Map<number, number>();
registerTask({
  name: "test_node_run",
  description: "counts its runs",
  maxAttempts: 1,
  backoffSeconds: exponentialBackoff(10),
  handler: async (_ctx, payload) => {
    const n = (payload as { n: number }).n;
    nodeRuns.set(n, (nodeRuns.get(n) ?? 0) + 1);
    await yieldToOthers();
    return { message: "counted" };
  },
});

interface QueueEnv {
  ctx: AppContext;
  clock: FakeClock;
  /** A second worker: on PostgreSQL with its own pool, as another process would have. */
  other: JobQueue;
  /** The second worker's database handle. */
  otherCtx: AppContext;
  close(): Promise<void>;
}

async function openQueues(engine: Engine): Promise<QueueEnv> {
  const tdb = await createTestDatabase(engine);
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  const config = parseConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: "silent" });
  const a = await createContext(config, { clock, pgSchema: tdb.pgSchema, poolSize: 4 });
  let other: JobQueue;
  let otherCtx: AppContext;
  let closeOther = async () => {};
  if (engine === "postgres") {
    const b = await createContext(config, { clock, pgSchema: tdb.pgSchema, poolSize: 4 });
    other = b.ctx.jobs;
    otherCtx = b.ctx;
    closeOther = b.close;
  } else {
    // SQLite: one process runs the queue; a second runner shares its connection.
    other = new JobQueue(a.ctx.db, a.ctx.engine, clock);
    other.attach(a.ctx);
    otherCtx = a.ctx;
  }
  return {
    ctx: a.ctx,
    clock,
    other,
    otherCtx,
    close: async () => {
      await closeOther();
      await a.close();
      await tdb.drop();
    },
  };
}

async function withQueues(engine: Engine, fn: (env: QueueEnv) => Promise<void>) {
  const env = await openQueues(engine);
  try {
    await fn(env);
  } finally {
    await env.close();
  }
}

const jobsNamed = (ctx: AppContext, name: string) =>
  ctx.db.selectFrom("jobs").selectAll().where("name", "=", name).orderBy("id").execute();
const logOf = (ctx: AppContext, task: string) =>
  ctx.db.selectFrom("task_log").selectAll().where("task", "=", task).orderBy("id").execute();

for (const engine of testEngines()) {
  describe(`JobQueue (${engine})`, () => {
    it("leaves no job behind when the enqueuing transaction rolls back", () =>
      withQueues(engine, async ({ ctx }) => {
        await assert.rejects(
          ctx.db.transaction().execute(async (trx) => {
            await ctx.jobs.enqueue(trx, "test_record", { tag: "rolled-back" });
            throw new Error("the change failed");
          }),
          /the change failed/,
        );
        assert.equal((await jobsNamed(ctx, "test_record")).length, 0);
        assert.equal(await ctx.jobs.runDueJobs(), 0);
        assert.ok(!seen.some((p) => (p as { tag?: string }).tag === "rolled-back"));
      }));

    it("runs a committed job once with its payload and logs it", () =>
      withQueues(engine, async ({ ctx }) => {
        await ctx.db
          .transaction()
          .execute((trx) => ctx.jobs.enqueue(trx, "test_record", { tag: `once-${engine}` }));
        assert.equal(await ctx.jobs.runDueJobs(), 1);
        assert.equal(await ctx.jobs.runDueJobs(), 0);
        assert.equal(seen.filter((p) => (p as { tag?: string }).tag === `once-${engine}`).length, 1);
        const [job] = await jobsNamed(ctx, "test_record");
        assert.equal(job?.status, "done");
        assert.equal(job?.attempts, 1);
        const log = await logOf(ctx, "test_record");
        assert.deepEqual(
          log.map((l) => [l.status, l.message, l.job_id]),
          [["ok", "recorded", job?.id]],
        );
      }));

    it("waits for a job's run time", () =>
      withQueues(engine, async ({ ctx, clock }) => {
        await ctx.jobs.enqueue(
          ctx.db,
          "test_record",
          { tag: "later" },
          { runAt: new Date(clock.now().getTime() + 60_000) },
        );
        assert.equal(await ctx.jobs.runDueJobs(), 0);
        clock.advance(59);
        assert.equal(await ctx.jobs.runDueJobs(), 0);
        clock.advance(1);
        assert.equal(await ctx.jobs.runDueJobs(), 1);
      }));

    it("retries a failing job with exponential backoff, then marks it failed with the error", () =>
      withQueues(engine, async ({ ctx, clock }) => {
        await ctx.jobs.enqueue(ctx.db, "test_always_fails", {});
        const start = clock.now().getTime();
        assert.equal(await ctx.jobs.runDueJobs(), 1);
        let [job] = await jobsNamed(ctx, "test_always_fails");
        assert.equal(job?.status, "pending");
        assert.equal(job?.attempts, 1);
        assert.equal(job?.run_at, iso(new Date(start + 10_000)), "first retry after 10 s");
        assert.equal(job?.last_error, "upstream timed out");
        clock.advance(9);
        assert.equal(await ctx.jobs.runDueJobs(), 0, "not before its backoff");
        clock.advance(1);
        assert.equal(await ctx.jobs.runDueJobs(), 1);
        [job] = await jobsNamed(ctx, "test_always_fails");
        assert.equal(job?.run_at, iso(new Date(start + 10_000 + 20_000)), "second retry after 20 s");
        clock.advance(20);
        assert.equal(await ctx.jobs.runDueJobs(), 1);
        [job] = await jobsNamed(ctx, "test_always_fails");
        assert.equal(job?.status, "failed");
        assert.equal(job?.attempts, 3);
        clock.advance(3600);
        assert.equal(await ctx.jobs.runDueJobs(), 0, "a failed job is not run again");
        assert.deepEqual(
          (await logOf(ctx, "test_always_fails")).map((l) => l.status),
          ["retry", "retry", "failed"],
        );
      }));

    it("runs a job again when its handler asks to, without counting that as a failed attempt", () =>
      withQueues(engine, async ({ ctx, clock }) => {
        busyRuns = 3;
        await ctx.jobs.enqueue(ctx.db, "test_busy", {}, { dedupeKey: "busy:1" });
        const start = clock.now().getTime();
        for (let i = 0; i < 3; i++) {
          assert.equal(await ctx.jobs.runDueJobs(), 1);
          const [job] = await jobsNamed(ctx, "test_busy");
          assert.equal(job?.status, "pending");
          assert.equal(job?.attempts, 0, "no attempt counted, although the task allows only 2");
          assert.equal(job?.run_at, iso(new Date(start + (i + 1) * 30_000)));
          assert.equal(await ctx.jobs.runDueJobs(), 0, "not before the time it asked for");
          // Still the one pending job of its key: another enqueue adds nothing.
          await ctx.jobs.enqueue(ctx.db, "test_busy", {}, { dedupeKey: "busy:1" });
          assert.equal((await jobsNamed(ctx, "test_busy")).length, 1);
          clock.advance(30);
        }
        assert.equal(await ctx.jobs.runDueJobs(), 1);
        const [job] = await jobsNamed(ctx, "test_busy");
        assert.equal(job?.status, "done");
        assert.equal(job?.attempts, 1);
        assert.deepEqual(
          (await logOf(ctx, "test_busy")).map((l) => [l.status, l.message]),
          [
            ["deferred", "busy"],
            ["deferred", "busy"],
            ["deferred", "busy"],
            ["ok", "done at last"],
          ],
        );
      }));

    it("keeps one pending job per dedupe key, and accepts the key again once it ran", () =>
      withQueues(engine, async ({ ctx }) => {
        for (let i = 0; i < 3; i++) {
          await ctx.jobs.enqueue(ctx.db, "test_record", { tag: `dedupe-${i}` }, { dedupeKey: "grade:42" });
        }
        await ctx.jobs.enqueue(ctx.db, "test_record", { tag: "other-key" }, { dedupeKey: "grade:43" });
        assert.equal((await jobsNamed(ctx, "test_record")).length, 2);
        assert.equal(await ctx.jobs.runDueJobs(), 2);
        await ctx.jobs.enqueue(ctx.db, "test_record", { tag: "dedupe-again" }, { dedupeKey: "grade:42" });
        assert.equal((await jobsNamed(ctx, "test_record")).filter((j) => j.status === "pending").length, 1);
      }));

    it("keeps one pending job per dedupe key when two transactions enqueue it at the same time", () =>
      withQueues(engine, async ({ ctx, other, otherCtx }) => {
        let release = () => {};
        const held = new Promise<void>((r) => {
          release = r;
        });
        const first = ctx.db.transaction().execute(async (trx) => {
          await ctx.jobs.enqueue(trx, "test_record", { tag: "first" }, { dedupeKey: "sync:7" });
          await held;
        });
        await sleep(20);
        const second = otherCtx.db
          .transaction()
          .execute((trx) => other.enqueue(trx, "test_record", { tag: "second" }, { dedupeKey: "sync:7" }));
        await sleep(50);
        release();
        await Promise.all([first, second]);
        const pending = (await jobsNamed(ctx, "test_record")).filter((j) => j.dedupe_key === "sync:7");
        assert.equal(pending.length, 1);
      }));

    it("claims a scheduled task once when two runners call runDueScheduled at the same moment", () =>
      withQueues(engine, async ({ ctx, clock, other }) => {
        clock.advance(301);
        const before = slowRuns;
        const [a, b] = await Promise.all([ctx.jobs.runDueScheduled(), other.runDueScheduled()]);
        const runs = [...a, ...b].filter((r) => r.task === "test_sched_slow");
        assert.equal(runs.length, 1);
        assert.equal(slowRuns - before, 1);
        assert.equal((await logOf(ctx, "test_sched_slow")).length, 1);
        const row = await ctx.db
          .selectFrom("scheduled_tasks")
          .selectAll()
          .where("name", "=", "test_sched_slow")
          .executeTakeFirstOrThrow();
        assert.equal(row.next_run_at, iso(new Date(clock.now().getTime() + 300_000)));
        assert.equal(row.last_status, "ok");
        const [c, d] = await Promise.all([ctx.jobs.runDueScheduled(), other.runDueScheduled()]);
        assert.equal([...c, ...d].filter((r) => r.task === "test_sched_slow").length, 0, "not due again yet");
      }));

    it("never hands one job to two runners claiming at the same time", () =>
      withQueues(engine, async ({ ctx, other }) => {
        for (let i = 0; i < 20; i++)
          await ctx.jobs.enqueue(ctx.db, "test_record", { tag: `par-${engine}-${i}` });
        const [a, b] = await Promise.all([ctx.jobs.claimDue(12), other.claimDue(12)]);
        const ids = [...a, ...b].map((j) => j.id);
        assert.equal(ids.length, 20);
        assert.equal(new Set(ids).size, 20);
      }));

    it("claims a running job again once its worker's lock has expired", () =>
      withQueues(engine, async ({ ctx, clock, other }) => {
        await ctx.jobs.enqueue(ctx.db, "test_record", { tag: "crashed-worker" });
        const [claimed] = await ctx.jobs.claimDue(1);
        assert.ok(claimed);
        assert.equal((await other.claimDue(1)).length, 0, "locked while its worker may still run it");
        clock.advance(301);
        assert.equal(await other.runDueJobs(), 1);
        const [job] = await jobsNamed(ctx, "test_record");
        assert.equal(job?.status, "done");
        assert.equal(job?.attempts, 2);
      }));

    for (const fails of [false, true])
      it(`leaves a job to the runner that claimed it after the first one's lock expired (first one ${fails ? "fails" : "succeeds"} late)`, () =>
        withQueues(engine, async ({ ctx, clock, other }) => {
          stalledFails = fails;
          await ctx.jobs.enqueue(ctx.db, "test_stalled", {});
          const first = ctx.jobs.runDueJobs();
          while ((await jobsNamed(ctx, "test_stalled"))[0]?.status !== "running") await sleep(5);
          clock.advance(301);
          const [again] = await other.claimDue(1);
          assert.ok(again, "the expired lock is claimed by the other runner");
          releaseStalled();
          await first;
          const [job] = await jobsNamed(ctx, "test_stalled");
          assert.equal(job?.status, "running", "the late runner did not overwrite the new claim");
          assert.equal(job?.attempts, 2);
          assert.equal(job?.last_error, null);
        }));

    it("counts a scheduled task's failures, retries it sooner, and resets on success", () =>
      withQueues(engine, async ({ ctx, clock }) => {
        failScheduled = true;
        const first = await ctx.jobs.runNow("test_sched_flaky");
        assert.equal(first.status, "failed");
        assert.equal(first.message, "service down");
        await ctx.jobs.runNow("test_sched_flaky");
        const row = () =>
          ctx.db
            .selectFrom("scheduled_tasks")
            .selectAll()
            .where("name", "=", "test_sched_flaky")
            .executeTakeFirstOrThrow();
        const failed = await row();
        assert.equal(failed.failures, 2);
        assert.equal(failed.last_message, "service down");
        assert.equal(failed.next_run_at, iso(new Date(clock.now().getTime() + 60_000)), "backoff 30 s × 2");
        failScheduled = false;
        const ok = await ctx.jobs.runNow("test_sched_flaky");
        assert.equal(ok.status, "ok");
        assert.equal((await row()).failures, 0);
      }));

    it("rejects unknown task names", () =>
      withQueues(engine, async ({ ctx }) => {
        await assert.rejects(ctx.jobs.runNow("no_such_task"), NotFoundError);
        await assert.rejects(
          ctx.jobs.runNow("test_record"),
          NotFoundError,
          "ad-hoc tasks have no schedule to run",
        );
        await assert.rejects(ctx.jobs.enqueue(ctx.db, "no_such_task", {}), /unknown task/);
        assert.equal((await ctx.db.selectFrom("jobs").select("id").execute()).length, 0);
      }));
  });
}

// Two nodes as two processes would be: each its own database handle (SQLite: two connections to
// one file), each polling for work. Neither may fail to claim because the other is claiming too.
for (const engine of testEngines()) {
  describe(`JobQueue on two nodes of one ${engine} database`, () => {
    let dir: string;
    let clock: FakeClock;
    let a: { ctx: AppContext; close(): Promise<void> };
    let b: { ctx: AppContext; close(): Promise<void> };
    let tdb: Awaited<ReturnType<typeof createTestDatabase>>;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "pluto-queue-nodes-"));
      tdb = await createTestDatabase(engine, { sqliteFile: join(dir, "pluto.db") });
      clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
      const config = parseConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: "silent" });
      a = await createContext(config, { clock, pgSchema: tdb.pgSchema, poolSize: 4 });
      b = await createContext(config, { clock, pgSchema: tdb.pgSchema, poolSize: 4 });
    });
    after(async () => {
      await b?.close();
      await a?.close();
      await tdb?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** One runner's polling, as tick() does it, but failing the test instead of logging. */
    async function drain(q: JobQueue): Promise<number> {
      let ran = 0;
      for (let n = await q.runDueJobs(5); n > 0; n = await q.runDueJobs(5)) ran += n;
      return ran;
    }

    it("runs each of 200 queued jobs exactly once while both nodes claim at the same time", async () => {
      nodeRuns.clear();
      const now = iso(clock.now());
      const jobs = Array.from({ length: 200 }, (_, n) => ({
        name: "test_node_run",
        payload: JSON.stringify({ n }),
        status: "pending",
        run_at: now,
        attempts: 0,
        max_attempts: 1,
        created_at: now,
        updated_at: now,
      }));
      await a.ctx.db.insertInto("jobs").values(jobs).execute();

      const [byA, byB] = await Promise.all([drain(a.ctx.jobs), drain(b.ctx.jobs)]);
      assert.equal(byA + byB, 200);
      assert.ok(byA > 0 && byB > 0, `both nodes ran jobs (A ${byA}, B ${byB})`);
      assert.equal(nodeRuns.size, 200);
      assert.ok(
        [...nodeRuns.values()].every((runs) => runs === 1),
        "no job ran twice",
      );
      const rows = await b.ctx.db.selectFrom("jobs").select(["status", "attempts"]).execute();
      assert.ok(rows.every((r) => r.status === "done" && r.attempts === 1));
      const log = await logOf(a.ctx, "test_node_run");
      assert.equal(log.length, 200);
      assert.equal(new Set(log.map((l) => l.job_id)).size, 200);
    });

    it("keeps one pending job per dedupe key when both nodes enqueue the same keys at once", async () => {
      const enqueueAll = (ctx: AppContext) =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            ctx.jobs.enqueue(ctx.db, "test_record", { tag: "both-nodes" }, { dedupeKey: `nodes:${i % 10}` }),
          ),
        );
      await Promise.all([enqueueAll(a.ctx), enqueueAll(b.ctx)]);
      const keys = (
        await a.ctx.db
          .selectFrom("jobs")
          .select("dedupe_key")
          .where("dedupe_key", "like", "nodes:%")
          .where("status", "=", "pending")
          .execute()
      ).map((j) => j.dedupe_key);
      assert.equal(keys.length, 10);
      assert.equal(new Set(keys).size, 10);
    });

    it("starts a due scheduled task on one node only when both poll at the same moment", async () => {
      for (let round = 1; round <= 5; round++) {
        const before = slowRuns;
        clock.advance(301);
        const [ra, rb] = await Promise.all([a.ctx.jobs.runDueScheduled(), b.ctx.jobs.runDueScheduled()]);
        assert.equal([...ra, ...rb].filter((r) => r.task === "test_sched_slow").length, 1, `round ${round}`);
        assert.equal(slowRuns - before, 1);
      }
      assert.equal((await logOf(b.ctx, "test_sched_slow")).length, 5);
    });
  });
}
