// Pluto's LTI 1.3 platform keys in the database: the first key is created on demand exactly once (also
// with two nodes racing), the next key is published one cache period before it signs, a retired key stays
// published until its tokens expired and is then deleted, and "Rotate now" takes the old key out at once.
// Tokens are checked with jose's own verifier against the JWKS the service publishes.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { createTestDatabase, testEngines } from "../../../test/support/db.js";
import { parseConfig } from "../../config/config.js";
import { signPlatformJwt } from "../../lti/v1p3/keys.js";
import { createContext, createLogger } from "../../main/bootstrap.js";
import { FakeClock } from "../../shared/clock.js";
import {
  JWKS_CACHE_PERIOD_SECONDS,
  listPlatformKeys,
  MAX_TOKEN_LIFETIME_SECONDS,
  publishedJwks,
  rotateKeys,
  rotateNow,
  rotationPeriodDays,
  setRotationPeriodDays,
  signingKey,
} from "./platform-keys.service.js";

const DAY = 86400;
const kids = (jwks: { keys: Array<{ kid?: string }> }) => jwks.keys.map((k) => k.kid);

for (const engine of testEngines()) {
  describe(`LTI platform keys (${engine})`, () => {
    let t: TestApp;
    const file = join(tmpdir(), `pluto-keys-${process.pid}-${Date.now()}.db`);
    before(async () => {
      t = await startTestApp(engine, engine === "sqlite" ? { sqliteFile: file } : {});
    });
    after(async () => {
      await t.close();
      rmSync(file, { force: true });
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
    });

    const rows = () => t.ctx.db.selectFrom("lti_platform_keys").selectAll().execute();
    const sign = async () =>
      signPlatformJwt({ iss: "https://pluto.test", sub: "1" }, await signingKey(t.ctx));
    const verifies = async (token: string) => {
      const jwks = createLocalJWKSet(await publishedJwks(t.ctx));
      try {
        await jwtVerify(token, jwks, { algorithms: ["RS256"] });
        return true;
      } catch {
        return false;
      }
    };

    it("creates exactly one first key for concurrent callers on two nodes", async () => {
      const other = await t.anotherNode();
      try {
        const keys = await Promise.all([
          ...Array.from({ length: 10 }, () => signingKey(t.ctx)),
          ...Array.from({ length: 3 }, () => signingKey(other.ctx)),
        ]);
        assert.equal((await rows()).length, 1);
        assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
      } finally {
        await other.close();
      }
      const token = await sign();
      assert.equal(decodeProtectedHeader(token).kid, (await rows())[0]!.kid);
      assert.ok(await verifies(token));
    });

    it("publishes the next key one cache period before it signs, and keeps the retired one until its tokens expired", async () => {
      assert.equal(await rotationPeriodDays(t.ctx), 90);
      await setRotationPeriodDays(t.ctx, "2", 1);
      const first = (await signingKey(t.ctx)).kid;
      const oldToken = await sign();
      // Just under one cache period before the rotation date (the hourly task): the next key is made, to sign
      // a full cache period later.
      t.clock.advance(2 * DAY - JWKS_CACHE_PERIOD_SECONDS + 60);
      const r1 = await rotateKeys(t.ctx);
      assert.ok(r1.created);
      const next = r1.created;
      assert.equal(r1.signingKid, first);
      assert.deepEqual(kids(await publishedJwks(t.ctx)), [first, next]);
      assert.equal((await signingKey(t.ctx)).kid, first, "the next key does not sign yet");
      assert.deepEqual(
        (await listPlatformKeys(t.ctx)).map((k) => [k.kid, k.state]),
        [
          [first, "signing"],
          [next, "next"],
        ],
      );
      // The rotation date: the next key signs (within the plan cache), the old one is still published.
      t.clock.advance(JWKS_CACHE_PERIOD_SECONDS - 1);
      assert.equal((await signingKey(t.ctx)).kid, first, "one second before, the old key still signs");
      t.clock.advance(1);
      await rotateKeys(t.ctx);
      assert.equal((await signingKey(t.ctx)).kid, next);
      assert.deepEqual(kids(await publishedJwks(t.ctx)), [next, first]);
      assert.ok(await verifies(oldToken));
      assert.equal((await listPlatformKeys(t.ctx)).find((k) => k.kid === first)?.state, "retired");
      // Everything the old key signed has expired: it leaves the JWKS, and a cache period later the table.
      t.clock.advance(MAX_TOKEN_LIFETIME_SECONDS);
      await rotateKeys(t.ctx);
      assert.deepEqual(kids(await publishedJwks(t.ctx)), [next]);
      assert.equal(await verifies(oldToken), false);
      t.clock.advance(JWKS_CACHE_PERIOD_SECONDS);
      const r3 = await rotateKeys(t.ctx);
      assert.deepEqual(r3.deleted, [first]);
      assert.deepEqual(
        (await rows()).map((r) => r.kid),
        [next],
      );
    });

    it("Rotate now takes the signing key out of the JWKS at once and signs with a new key", async () => {
      const old = (await signingKey(t.ctx)).kid;
      const oldToken = await sign();
      const r = await rotateNow(t.ctx, 7);
      assert.deepEqual(r.revoked, [old]);
      assert.notEqual(r.signingKid, old);
      assert.equal((await signingKey(t.ctx)).kid, r.signingKid);
      assert.deepEqual(kids(await publishedJwks(t.ctx)), [r.signingKid]);
      assert.equal(await verifies(oldToken), false);
      assert.ok(await verifies(await sign()));
      assert.equal((await listPlatformKeys(t.ctx)).find((k) => k.kid === old)?.state, "revoked");
    });

    it("refuses a rotation period that is not a whole number of days from 1 to 3650", async () => {
      for (const bad of ["", "0", "-3", "1.5", "abc", "3651", undefined]) {
        await assert.rejects(setRotationPeriodDays(t.ctx, bad, 1), (e: Error & { code?: string }) => {
          assert.equal(e.code, "validation", String(bad));
          return true;
        });
      }
      assert.equal(await rotationPeriodDays(t.ctx), 2);
    });
  });
}

for (const engine of testEngines()) {
  describe(`LTI platform keys in the log (${engine})`, () => {
    it("logs Rotate now with its actor and the kids, and never a private key", async () => {
      let out = "";
      const config = parseConfig({ LOG_LEVEL: "info", LOG_FORMAT: "json", DATABASE_URL: "sqlite::memory:" });
      const log = createLogger(config, { out: { write: (s: string) => (out += s) } });
      const tdb = await createTestDatabase(engine);
      const { ctx, close } = await createContext(parseConfig({ DATABASE_URL: tdb.url }), {
        log,
        pgSchema: tdb.pgSchema,
        poolSize: 2,
        clock: new FakeClock(),
      });
      try {
        const first = (await signingKey(ctx)).kid;
        const r = await rotateNow(ctx, 42);
        await rotateKeys(ctx);
        const pems = (await ctx.db.selectFrom("lti_platform_keys").select("private_key_pem").execute()).map(
          (row) => row.private_key_pem,
        );
        assert.equal(pems.length, 2);
        const line = out.split("\n").find((l) => l.includes("lti_platform_key_rotate_now"));
        assert.ok(line, out);
        const entry = JSON.parse(line) as { actorUserId: number; revoked: string[]; kid: string };
        assert.equal(entry.actorUserId, 42);
        assert.deepEqual(entry.revoked, [first]);
        assert.equal(entry.kid, r.signingKid);
        assert.ok(!out.includes("PRIVATE KEY"), out);
        for (const pem of pems) {
          const body = pem.split("\n").slice(1, 4).join("");
          assert.ok(!out.includes(body.slice(0, 40)), "a private key reached the log");
        }
      } finally {
        await close();
        await tdb.drop();
      }
    });
  });
}
