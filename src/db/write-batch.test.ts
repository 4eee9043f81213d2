import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../test/support/app.js";
import { testEngines } from "../../test/support/db.js";
import { writeBatcher } from "./write-batch.js";

for (const engine of testEngines()) {
  describe(`writes grouped into shared transactions (${engine})`, () => {
    let t: TestApp;
    // Units write nonces, one deployment per key (a deployment of no publication, as rows allow).
    const deployments = new Map<string, number>();
    before(async () => {
      t = await startTestApp(engine);
      for (const key of ["batch-a", "batch-b", "batch-c"]) {
        const d = await t.ctx.db
          .insertInto("lti_deployments")
          .values({ side: "provider", consumer_key: key, created_at: "2026-01-01T00:00:00.000Z" })
          .returning("id")
          .executeTakeFirstOrThrow();
        deployments.set(key, d.id);
      }
    });
    after(() => t.close());

    const deploymentOf = (key: string) => {
      const id = deployments.get(key);
      if (id === undefined) throw new Error(`no deployment for ${key}`);
      return id;
    };
    const nonces = async (prefix: string) =>
      (
        await t.ctx.db
          .selectFrom("lti_nonces")
          .select("nonce")
          .where("deployment_id", "=", deploymentOf(prefix))
          .orderBy("nonce")
          .execute()
      ).map((r) => r.nonce);
    const insert =
      (key: string, nonce: string) =>
      (trx: Parameters<Parameters<ReturnType<typeof writeBatcher>["run"]>[0]>[0]) =>
        trx
          .insertInto("lti_nonces")
          .values({ deployment_id: deploymentOf(key), nonce, expires_at: "2999-01-01T00:00:00.000Z" })
          .execute();

    it("commits every unit of simultaneous work, and a failing unit rolls back alone with its own error", async () => {
      const batcher = writeBatcher(t.ctx.db, t.ctx.engine);
      const results = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          batcher.run(async (trx) => {
            await insert("batch-a", `n-${String(i).padStart(2, "0")}`)(trx);
            if (i % 3 === 0) throw new Error(`refused ${i}`);
            return i;
          }),
        ),
      );
      results.forEach((r, i) => {
        if (i % 3 === 0) {
          assert.equal(r.status, "rejected");
          assert.equal((r as PromiseRejectedResult).reason.message, `refused ${i}`);
        } else assert.deepEqual(r, { status: "fulfilled", value: i });
      });
      const kept = await nonces("batch-a");
      assert.equal(kept.length, 20);
      assert.ok(
        kept.every((n) => Number(n.slice(2)) % 3 !== 0),
        "nothing of a refused unit is kept",
      );
    });

    it("a unit that breaks a constraint fails alone; the others still commit", async () => {
      const batcher = writeBatcher(t.ctx.db, t.ctx.engine);
      const results = await Promise.allSettled([
        batcher.run(insert("batch-b", "same")),
        batcher.run(insert("batch-b", "same")),
        batcher.run(insert("batch-b", "other")),
      ]);
      assert.deepEqual(
        results.map((r) => r.status).sort(),
        ["fulfilled", "fulfilled", "rejected"],
        'one of the two "same" inserts fails',
      );
      assert.equal(results[2]?.status, "fulfilled");
      assert.deepEqual(await nonces("batch-b"), ["other", "same"]);
    });

    it("runs work that comes later in a later transaction", async () => {
      const batcher = writeBatcher(t.ctx.db, t.ctx.engine);
      await batcher.run(insert("batch-c", "1"));
      await batcher.run(insert("batch-c", "2"));
      assert.deepEqual(await nonces("batch-c"), ["1", "2"]);
    });
  });
}
