// Request logging: one JSON line per request (DESIGN.md), written when the response has gone, with
// no cookie or bearer token in it.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import pino from "pino";
import { createTestDatabase, testEngines } from "../../test/support/db.js";
import { parseConfig } from "../config/config.js";
import { routeRegistrars } from "../features/index.js";
import { createContext, REDACT } from "../main/bootstrap.js";
import { buildApp } from "./app.js";

for (const engine of testEngines()) {
  describe(`request logging (${engine})`, () => {
    it("writes one line per request with method, URL, status and time, and no secrets", async () => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split("\n").filter(Boolean))
            lines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      const log = pino({ level: "info", redact: { paths: REDACT, censor: "[redacted]" } }, sink);
      const tdb = await createTestDatabase(engine);
      const { ctx, close } = await createContext(parseConfig({ DATABASE_URL: tdb.url }), {
        log,
        pgSchema: tdb.pgSchema,
        poolSize: 2,
      });
      const app = await buildApp(ctx, routeRegistrars);
      try {
        const res = await app.inject({
          method: "GET",
          url: "/login",
          headers: { cookie: "pluto_session=secret-session-value", authorization: "Bearer secret-token" },
        });
        assert.equal(res.statusCode, 200);
        const reqId = lines.find((l) => (l.req as { url?: string } | undefined)?.url === "/login")?.reqId;
        assert.ok(reqId, JSON.stringify(lines));
        const mine = lines.filter((l) => l.reqId === reqId);
        assert.equal(mine.length, 1, JSON.stringify(mine));
        const line = mine[0] as {
          msg: string;
          req: { method: string };
          res: { statusCode: number };
          responseTime: unknown;
        };
        assert.equal(line.msg, "request completed");
        assert.equal(line.req.method, "GET");
        assert.equal(line.res.statusCode, 200);
        assert.equal(typeof line.responseTime, "number");
        const all = JSON.stringify(lines);
        assert.ok(!all.includes("secret-session-value") && !all.includes("secret-token"), all);
      } finally {
        await app.close();
        await close();
        await tdb.drop();
      }
    });
  });
}
