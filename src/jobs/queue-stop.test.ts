// Stopping the task runner, as `pluto serve` does on SIGTERM or SIGINT: it claims nothing more, gives
// back the jobs it claimed but had not started, lets a running job finish within the grace period,
// and cuts off one still running then, giving it back whole to run again, here or on another node.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase, testEngines } from "../../test/support/db.js";
import type { AppContext } from "../app/context.js";
import { parseConfig } from "../config/config.js";
import type { Engine } from "../db/dialect.js";
import { createContext } from "../main/bootstrap.js";
import { FakeClock, iso } from "../shared/clock.js";
import { JobQueue } from "./queue.js";
import { exponentialBackoff, registerTask } from "./registry.js";

/** A handler that waits like an outbound request: until the gate opens, or until its run is cut off. */
class Gate {
  started = 0;
  aborted = 0;
  finished = 0;
  private open: () => void = () => {};
  private opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  async pass(signal: AbortSignal): Promise<void> {
    this.started++;
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener("abort", () => {
        this.aborted++;
        reject(signal.reason);
      });
      void this.opened.then(resolve);
    });
    this.finished++;
  }

  release(): void {
    this.open();
  }
}

let gate = new Gate();
const recorded: string[] = [];

registerTask({
  name: "test_stop_gated",
  description: "waits for the test's gate",
  maxAttempts: 3,
  backoffSeconds: exponentialBackoff(10),
  handler: async (_ctx, _payload, run) => {
    await gate.pass(run.signal);
    return { message: "passed the gate" };
  },
});
registerTask({
  name: "test_stop_record",
  description: "records its tag",
  maxAttempts: 3,
  backoffSeconds: exponentialBackoff(10),
  handler: async (_ctx, payload) => {
    recorded.push((payload as { tag: string }).tag);
    return { message: "recorded" };
  },
});
registerTask({
  name: "test_stop_sched_gated",
  description: "a scheduled task that waits for the test's gate",
  schedule: { intervalSeconds: 3600 },
  maxAttempts: 1,
  backoffSeconds: exponentialBackoff(30),
  handler: async (_ctx, _payload, run) => {
    await gate.pass(run.signal);
    return { message: "passed the gate" };
  },
});

async function withNodes(
  engine: Engine,
  fn: (env: { ctx: AppContext; clock: FakeClock; other: JobQueue }) => Promise<void>,
): Promise<void> {
  const tdb = await createTestDatabase(engine);
  const clock = new FakeClock(new Date("2026-03-01T10:00:00Z"));
  const config = parseConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: "silent" });
  const a = await createContext(config, { clock, pgSchema: tdb.pgSchema, poolSize: 4 });
  // The node that carries on; on SQLite it shares the connection, as one process would.
  const b =
    engine === "postgres" ? await createContext(config, { clock, pgSchema: tdb.pgSchema }) : undefined;
  const other = b?.ctx.jobs ?? new JobQueue(a.ctx.db, a.ctx.engine, clock);
  if (!b) other.attach(a.ctx);
  gate = new Gate();
  try {
    await fn({ ctx: a.ctx, clock, other });
  } finally {
    gate.release();
    await b?.close();
    await a.close();
    await tdb.drop();
  }
}

const jobsNamed = (ctx: AppContext, name: string) =>
  ctx.db.selectFrom("jobs").selectAll().where("name", "=", name).orderBy("id").execute();
const logOf = (ctx: AppContext, task: string) =>
  ctx.db.selectFrom("task_log").selectAll().where("task", "=", task).orderBy("id").execute();

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

for (const engine of testEngines()) {
  describe(`stopping the task runner (${engine})`, () => {
    it("lets the running job finish, gives back the jobs it had not started, and claims nothing more", () =>
      withNodes(engine, async ({ ctx, clock, other }) => {
        const earlier = new Date(clock.now().getTime() - 1000);
        await ctx.jobs.enqueue(ctx.db, "test_stop_gated", {}, { runAt: earlier });
        for (const tag of ["a", "b"])
          await ctx.jobs.enqueue(ctx.db, "test_stop_record", { tag: `${engine}-${tag}` });
        const tick = ctx.jobs.tick();
        await until("the gated job to start", () => gate.started === 1);
        assert.deepEqual(
          (await jobsNamed(ctx, "test_stop_record")).map((j) => j.status),
          ["running", "running"],
          "claimed in the same batch",
        );

        const stopped = ctx.jobs.stop(30_000);
        await until("the unstarted jobs to be given back", async () =>
          (await jobsNamed(ctx, "test_stop_record")).every((j) => j.status === "pending"),
        );
        assert.equal(await other.runDueJobs(), 2, "another node runs them while this one finishes");
        const given = await jobsNamed(ctx, "test_stop_record");
        assert.deepEqual(
          given.map((j) => [j.status, j.attempts]),
          [
            ["done", 1],
            ["done", 1],
          ],
          "being given back did not count as an attempt",
        );
        assert.deepEqual(recorded.filter((t) => t.startsWith(engine)).sort(), [`${engine}-a`, `${engine}-b`]);

        gate.release();
        assert.equal(await stopped, true);
        await tick;
        const [job] = await jobsNamed(ctx, "test_stop_gated");
        assert.deepEqual([job?.status, job?.attempts, gate.aborted], ["done", 1, 0]);

        await ctx.jobs.enqueue(ctx.db, "test_stop_record", { tag: `${engine}-late` });
        assert.equal(await ctx.jobs.runDueJobs(), 0, "a stopped runner claims nothing");
        assert.equal((await jobsNamed(ctx, "test_stop_record"))[2]?.status, "pending");
      }));

    it("cuts off a job still running when the grace period ends and gives it back whole", () =>
      withNodes(engine, async ({ ctx, other }) => {
        await ctx.jobs.enqueue(ctx.db, "test_stop_gated", {});
        const tick = ctx.jobs.tick();
        await until("the gated job to start", () => gate.started === 1);
        assert.equal(await ctx.jobs.stop(50), true, "the handler gave up when cut off");
        await tick;
        assert.equal(gate.aborted, 1);
        const [cut] = await jobsNamed(ctx, "test_stop_gated");
        assert.equal(cut?.status, "pending");
        assert.equal(cut?.attempts, 0, "being cut off is not a failed attempt");
        assert.match(cut?.last_error ?? "", /cut off: the process stopped/);
        assert.deepEqual(
          (await logOf(ctx, "test_stop_gated")).map((l) => l.status),
          ["retry"],
        );

        gate.release();
        assert.equal(await other.runDueJobs(), 1, "due again at once, for another node");
        const [job] = await jobsNamed(ctx, "test_stop_gated");
        assert.deepEqual([job?.status, job?.attempts], ["done", 1]);
        assert.equal(gate.finished, 1, "it ran to the end once");
      }));

    it("cuts off a scheduled run and makes the task due again, not counted as a failure", () =>
      withNodes(engine, async ({ ctx, clock }) => {
        clock.advance(61); // the first run of a new schedule is due a minute after start
        const tick = ctx.jobs.tick();
        await until("the scheduled run to start", () => gate.started === 1);
        assert.equal(await ctx.jobs.stop(50), true);
        await tick;
        const row = await ctx.db
          .selectFrom("scheduled_tasks")
          .selectAll()
          .where("name", "=", "test_stop_sched_gated")
          .executeTakeFirstOrThrow();
        assert.equal(row.next_run_at, iso(clock.now()));
        assert.equal(row.failures, 0);
        assert.deepEqual(
          (await logOf(ctx, "test_stop_sched_gated")).map((l) => [l.status, l.message]),
          [["retry", "cut off: the process stopped before the run finished; it runs again"]],
        );
      }));
  });
}
