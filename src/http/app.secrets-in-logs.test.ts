// No secret reaches the log, in either log format: tokens in a query string, the one-time hand-off
// token in a launch's continue and new-window URLs, and what was typed as the user name of a failed
// login (where people type their password by mistake).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client } from "../../test/support/app.js";
import { createTestDatabase, testEngines } from "../../test/support/db.js";
import { parseConfig } from "../config/config.js";
import { routeRegistrars } from "../features/index.js";
import { createUser } from "../features/users/users.service.js";
import { createContext, createLogger } from "../main/bootstrap.js";
import { sha256Hex } from "../shared/secrets.js";
import { buildApp } from "./app.js";

const SECRETS = {
  apiToken: "s3cret-api-token-1",
  loginToken: "s3cret-query-token-2",
  signature: "s3cret-oauth-signature-3",
  continueToken: "s3cretContinueToken4",
  handoffToken: "s3cretHandoffToken5",
  typedPassword: "s3cret-typed-as-name-6",
  password: "s3cret-password-7",
};

for (const engine of testEngines()) {
  for (const format of ["json", "pretty"] as const) {
    describe(`secrets in the log (${engine}, ${format} lines)`, () => {
      it("writes request URLs with secret values redacted and a failed login by account id or a hash", async () => {
        let out = "";
        const config = parseConfig({
          LOG_LEVEL: "info",
          LOG_FORMAT: format,
          DATABASE_URL: "sqlite::memory:",
        });
        const log = createLogger(config, { out: { write: (s: string) => (out += s) } });
        const tdb = await createTestDatabase(engine);
        const { ctx, close } = await createContext(parseConfig({ DATABASE_URL: tdb.url }), {
          log,
          pgSchema: tdb.pgSchema,
          poolSize: 2,
        });
        const app = await buildApp(ctx, routeRegistrars);
        try {
          const alice = await createUser(ctx.db, ctx.clock, {
            username: "alice",
            password: "password123",
            firstname: "Alice",
            lastname: "Tester",
            email: "alice@example.org",
          });
          for (const url of [
            `/api/v1/courses?access_token=${SECRETS.apiToken}&page=2`,
            `/login?next=%2Fmy&TOKEN=${SECRETS.loginToken}`,
            `/nowhere?oauth_consumer_key=k&oauth_signature=${SECRETS.signature}`,
            `/enrol/lti/continue/${SECRETS.continueToken}`,
            `/enrol/lti/handoff/${SECRETS.handoffToken}?x=1`,
          ])
            await app.inject({ method: "GET", url });
          const c = new Client(app);
          await c.get("/login");
          assert.equal(
            (await c.post("/login", { username: SECRETS.typedPassword, password: "x" })).statusCode,
            401,
          );
          assert.equal(
            (await c.post("/login", { username: "alice", password: SECRETS.password })).statusCode,
            401,
          );

          for (const secret of Object.values(SECRETS))
            assert.ok(!out.includes(secret), `${secret} in:\n${out}`);
          assert.match(out, /access_token=\[redacted\]&page=2/);
          assert.match(out, /TOKEN=\[redacted\]/);
          assert.match(out, /oauth_consumer_key=k&oauth_signature=\[redacted\]/);
          assert.match(out, /\/enrol\/lti\/continue\/\[redacted\]/);
          assert.match(out, /\/enrol\/lti\/handoff\/\[redacted\]\?x=1/);
          const failed = out.split("\n").filter((l) => l.includes("login failed"));
          assert.equal(failed.length, 2, out);
          assert.ok(
            failed[0]?.includes(sha256Hex(SECRETS.typedPassword.toLowerCase()).slice(0, 12)),
            failed[0],
          );
          assert.match(failed[1] ?? "", new RegExp(`"?userId"?[=:]${alice.id}\\b`));
        } finally {
          await app.close();
          await close();
          await tdb.drop();
        }
      });
    });
  }
}
