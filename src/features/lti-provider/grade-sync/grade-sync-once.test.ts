// Grade sync sends each changed grade once, even when its runs overlap: the queued per-grade sends,
// the scheduled catch-up, and a "run now" started while the scheduled run is still going (seen in
// the benchmark: 1,964 of 5,000 grades were sent twice).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { type FakeConsumer, startFakeConsumer } from "../../../../test/support/lti11-consumer.js";
import {
  launchWithOutcomes,
  type Published,
  publishQuizCourse,
} from "../../../../test/support/published-quiz.js";
import { TransportError } from "../transport-error.js";
import { sendGrade } from "./grade-sync.service.js";
import type { GradeTransport, GradeTransports, Score } from "./transport.js";

for (const engine of testEngines()) {
  describe(`grade sync runs that overlap (${engine})`, () => {
    let t: TestApp;
    let fc: FakeConsumer;
    let admin: string;
    let quizId: number;
    let pub: Published;
    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      ({ admin, quizId, pub } = await publishQuizCourse(t));
      fc = await startFakeConsumer(pub.secret);
    });
    after(async () => {
      await fc.close();
      await t.close();
    });

    it("sends each changed grade once when the queued sends, two task runs and run now overlap", async () => {
      const users: number[] = [];
      for (let i = 0; i < 12; i++) {
        users.push(
          await launchWithOutcomes(t, pub, {
            consumerKey: "consumer",
            remoteId: `once-${i}`,
            outcomeUrl: `${fc.url}/outcomes`,
          }),
        );
      }
      for (const [i, userId] of users.entries()) {
        const graded = await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
          grade: i % 10,
          feedback: "",
        });
        assert.equal(graded.status, 200, graded.body);
      }
      await Promise.all([
        t.ctx.jobs.runDueJobs(),
        t.ctx.jobs.runNow("lti_provider_grade_sync"),
        t.ctx.jobs.runNow("lti_provider_grade_sync"),
      ]);
      const sent = fc.received.filter((r) => r.path === "/outcomes");
      const bySourcedid = new Map<string, number>();
      for (const r of sent) {
        assert.ok(r.valid);
        const sid = /<sourcedId>([^<]*)</.exec(r.body)?.[1] ?? "";
        bySourcedid.set(sid, (bySourcedid.get(sid) ?? 0) + 1);
      }
      assert.equal(bySourcedid.size, 12, "every user's grade was sent");
      assert.deepEqual(
        [...bySourcedid.entries()].filter(([, n]) => n > 1),
        [],
        "no grade was sent twice",
      );
    });
  });
}

for (const engine of testEngines()) {
  describe(`the scores a grade send gives its transport (${engine})`, () => {
    let t: TestApp;
    let admin: string;
    let quizId: number;
    let pub: Published;
    const logLines: Array<Record<string, unknown>> = [];
    const scores: Score[] = [];
    let refuse: TransportError | undefined;
    const recording: GradeTransport<"basic_outcomes"> = {
      kind: "basic_outcomes",
      async send(_endpoint, score) {
        if (refuse) throw refuse;
        scores.push(score);
        return { description: "taken" };
      },
    };
    const transports: GradeTransports = {
      basic_outcomes: recording,
      ags: {
        kind: "ags",
        send: () => Promise.reject(new Error("no AGS endpoint is stored in this test")),
      },
    };
    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] }, logLines });
      ({ admin, quizId, pub } = await publishQuizCourse(t));
    });
    after(() => t.close());

    const grade = async (userId: number, value: number) => {
      const res = await api(t.app, admin, "PUT", `/api/v1/activities/${quizId}/grades/${userId}`, {
        grade: value,
        feedback: "",
      });
      assert.equal(res.status, 200, res.body);
    };

    it("gives each score a millisecond timestamp strictly after the last one sent, the clock standing still", async () => {
      const userId = await launchWithOutcomes(t, pub, {
        consumerKey: "consumer",
        remoteId: "ts-1",
        outcomeUrl: "http://127.0.0.1:9/outcomes",
      });
      const { id } = await t.ctx.db
        .selectFrom("lti_provider_users")
        .select("id")
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      const now = t.clock.now().toISOString();
      for (const value of [5, 0, 7]) {
        await grade(userId, value);
        assert.equal(await sendGrade(t.ctx, transports, id), "sent");
      }
      assert.deepEqual(
        scores.map((s) => [s.scoreGiven, s.scoreMaximum, s.timestamp]),
        [
          [5, 10, now],
          [0, 10, new Date(Date.parse(now) + 1).toISOString()],
          [7, 10, new Date(Date.parse(now) + 2).toISOString()],
        ],
        "a zero is sent like any other grade",
      );
      const sent = logLines.filter((l) => l.event === "lti_grade_sent" && l.providerUserId === id);
      assert.deepEqual(
        sent.map((l) => [l.kind, l.score, l.timestamp, l.answer]),
        scores.map((s) => ["basic_outcomes", s.scoreGiven / s.scoreMaximum, s.timestamp, "taken"]),
      );

      refuse = new TransportError(
        "refused",
        "the platform refused the score: HTTP 422: not a student",
        false,
        {
          status: 422,
        },
      );
      await grade(userId, 9);
      await assert.rejects(sendGrade(t.ctx, transports, id), TransportError);
      refuse = undefined;
      const failed = logLines.find((l) => l.event === "lti_grade_send_failed" && l.providerUserId === id);
      assert.equal(failed?.status, 422);
      assert.equal(failed?.score, 0.9);
      assert.match(String(failed?.msg), /HTTP 422: not a student/);
    });
  });
}
