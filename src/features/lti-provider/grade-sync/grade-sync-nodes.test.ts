// Grade sync on two nodes that share one database: the queued sends and the scheduled runs of both
// overlap, and each distinct grade still reaches the consumer once. Which run sends is decided by a
// claim in the database, not in either node's memory; a node that stopped holding a claim holds
// it only until its lease ends.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { type FakeConsumer, startFakeConsumer } from "../../../../test/support/lti11-consumer.js";
import {
  launchWithOutcomes,
  type Published,
  publishQuizCourse,
} from "../../../../test/support/published-quiz.js";
import type { AppContext } from "../../../app/context.js";
import { iso } from "../../../shared/clock.js";
import { claimGradeUsers } from "../publications/publications.repository.js";
import { BUSY_RETRY_SECONDS, GRADE_CLAIM_SECONDS } from "./grade-sync.service.js";

const SYNC = "lti_provider_grade_sync";

for (const engine of testEngines()) {
  describe(`grade sync on two nodes of one ${engine} database`, () => {
    let dir: string;
    let t: TestApp;
    let b: { ctx: AppContext; close(): Promise<void> };
    let fc: FakeConsumer;
    let admin: string;
    let quizId: number;
    let pub: Published;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "pluto-grade-nodes-"));
      t = await startTestApp(engine, {
        config: { outboundAllow: ["127.0.0.1"] },
        sqliteFile: join(dir, "pluto.db"),
      });
      b = await t.anotherNode();
      ({ admin, quizId, pub } = await publishQuizCourse(t));
      fc = await startFakeConsumer(pub.secret);
      // A consumer slow enough that the sends of both nodes are in flight together.
      fc.delayMs = 20;
    });
    after(async () => {
      await fc.close();
      await b.close();
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const launch = (remoteId: string) =>
      launchWithOutcomes(t, pub, { consumerKey: "consumer", remoteId, outcomeUrl: `${fc.url}/outcomes` });

    async function grade(userId: number, value: number): Promise<void> {
      const res = await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
        grade: value,
        feedback: "",
      });
      assert.equal(res.status, 200, res.body);
    }

    /** The scores the consumer received, by sourcedid, in the order they arrived. */
    function received(): Map<string, number[]> {
      const out = new Map<string, number[]>();
      for (const r of fc.received.filter((x) => x.path === "/outcomes")) {
        assert.ok(r.valid, "the consumer verified the request");
        const sid = /<sourcedId>([^<]*)</.exec(r.body)?.[1] ?? "";
        const score = Number(/<textString>([^<]*)</.exec(r.body)?.[1]);
        out.set(sid, [...(out.get(sid) ?? []), score]);
      }
      return out;
    }

    /** Both nodes run their queued sends and a scheduled run at once; node A also a "run now". */
    async function bothNodesAtOnce(): Promise<void> {
      const runs = await Promise.all([
        t.ctx.jobs.runDueJobs(),
        t.ctx.jobs.runNow(SYNC),
        b.ctx.jobs.runNow(SYNC),
        // SQLite: one process runs the queued jobs (DESIGN.md); a second node there runs the
        // scheduled tasks, as `pluto task run` does beside a running server.
        engine === "postgres" ? b.ctx.jobs.runDueJobs() : t.ctx.jobs.runNow(SYNC),
      ]);
      for (const run of runs)
        if (typeof run !== "number") assert.equal(run.status, "ok", `${run.task}: ${run.message}`);
    }

    /** Lets the sends that found a grade claimed run again, on both nodes, until none is left. */
    async function drainDeferred(): Promise<void> {
      for (let round = 0; round < 5; round++) {
        t.clock.advance(BUSY_RETRY_SECONDS + 1);
        const ran = (await t.ctx.jobs.runDueJobs()) + (await b.ctx.jobs.runDueJobs());
        if (ran === 0) return;
      }
      assert.fail("queued sends were still deferred after five rounds");
    }

    const claimsHeld = async () =>
      (
        await t.ctx.db
          .selectFrom("lti_provider_users")
          .select("id")
          .where("grade_claimed_by", "is not", null)
          .execute()
      ).length;

    it("sends each grade once when the queued sends and scheduled runs of both nodes overlap, and each new grade once more", async () => {
      const users: number[] = [];
      for (let i = 0; i < 24; i++) users.push(await launch(`node-${i}`));
      for (const [i, userId] of users.entries()) await grade(userId, (i % 9) + 1);
      await bothNodesAtOnce();
      await drainDeferred();
      await b.ctx.jobs.runNow(SYNC);

      let got = received();
      assert.equal(got.size, 24, "every user's grade reached the consumer");
      for (const [i] of users.entries())
        assert.deepEqual(got.get(`sid-node-${i}`), [((i % 9) + 1) / 10], `node-${i}: sent once`);
      assert.equal(await claimsHeld(), 0, "every claim was given back");

      // Half of the grades change: each new value is sent once, the others not again.
      for (const [i, userId] of users.entries()) if (i % 2 === 0) await grade(userId, 10);
      await bothNodesAtOnce();
      await drainDeferred();
      await t.ctx.jobs.runNow(SYNC);

      got = received();
      for (const [i] of users.entries())
        assert.deepEqual(
          got.get(`sid-node-${i}`),
          i % 2 === 0 ? [((i % 9) + 1) / 10, 1] : [((i % 9) + 1) / 10],
          `node-${i}`,
        );
      assert.equal(await claimsHeld(), 0);
      const failedJobs = await t.ctx.db
        .selectFrom("jobs")
        .select(["id", "last_error"])
        .where("status", "!=", "done")
        .execute();
      assert.deepEqual(failedJobs, [], "every queued send finished");
    });

    it("sends a grade claimed by a node that stopped once the claim's lease has ended", async () => {
      const userId = await launch("stale");
      const row = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select("id")
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      // Node B claims the user's row, as a send does before it reads the grade, and stops there.
      const now = t.clock.now();
      const claimed = await claimGradeUsers(
        b.ctx.db,
        [row.id],
        {
          token: `${b.ctx.jobs.workerId}:stopped`,
          until: iso(new Date(now.getTime() + GRADE_CLAIM_SECONDS * 1000)),
          now: iso(now),
        },
        engine === "postgres",
      );
      assert.equal(claimed.length, 1);
      await b.close();
      b = await t.anotherNode();
      await grade(userId, 7);

      // While the lease runs, node A's queued send and scheduled run leave the grade to node B.
      assert.equal(await t.ctx.jobs.runDueJobs(), 1);
      const job = await t.ctx.db
        .selectFrom("jobs")
        .selectAll()
        .where("name", "=", "lti_provider_send_grade")
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      assert.equal(job.attempts, 0, "a deferred send is not a failed attempt");
      assert.ok(job.run_at > iso(t.clock.now()), "the send runs again later");
      const during = await t.ctx.jobs.runNow(SYNC);
      assert.match(during.message, /sent 0, .*busy 1/);
      assert.equal(received().get("sid-stale"), undefined, "nothing sent while node B's lease runs");

      // The lease ends: the scheduled run takes the row over and sends the grade, once.
      t.clock.advance(GRADE_CLAIM_SECONDS + 1);
      const afterLease = await t.ctx.jobs.runNow(SYNC);
      assert.match(afterLease.message, /sent 1, .*busy 0/);
      assert.equal(await t.ctx.jobs.runDueJobs(), 1, "the deferred send runs");
      assert.deepEqual(received().get("sid-stale"), [0.7]);
      const pu = await t.ctx.db
        .selectFrom("lti_provider_users")
        .selectAll()
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow();
      assert.equal(pu.last_grade_sent, 0.7);
      assert.equal(pu.grade_claimed_by, null);
    });
  });
}
