import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { parseConfig } from "../config/config.js";
import { LTI_ERROR_CODES, LtiError, OAuthError, ParameterError } from "../lti/errors.js";
import { createContext, createLogger } from "../main/bootstrap.js";
import { buildApp } from "./app.js";
import { LTI_ERROR_STATUS } from "./lti-errors.js";

describe("an LtiError that no route caught", () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  before(async () => {
    const config = parseConfig({ DATABASE_URL: "sqlite::memory:", LOG_LEVEL: "silent" });
    const c = await createContext(config, { log: createLogger(config) });
    close = c.close;
    app = await buildApp(c.ctx, [
      (a) => {
        a.get("/boom/:code", async (request) => {
          const { code } = request.params as { code: string };
          if (code === "bad_signature") throw new OAuthError("bad_signature", "signature mismatch for key k");
          if (code === "missing_parameter") throw new ParameterError("missing_parameter", "user_id");
          throw new LtiError(code as (typeof LTI_ERROR_CODES)[number], `developer detail ${code}`);
        });
        a.get("/api/v1/boom", async () => {
          throw new OAuthError("stale_timestamp", "timestamp 3 hours old");
        });
      },
    ]);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await close();
  });

  for (const code of LTI_ERROR_CODES) {
    it(`answers ${code} with its 4xx status and an error page, never a 500`, async () => {
      const res = await app.inject({ method: "GET", url: `/boom/${code}` });
      assert.equal(res.statusCode, LTI_ERROR_STATUS[code]);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500);
      assert.match(res.headers["content-type"] as string, /text\/html/);
      assert.match(res.body, /The LTI request was rejected\./);
      assert.doesNotMatch(res.body, /developer detail|signature mismatch/);
    });
  }

  it("answers an API call with a JSON error of code lti", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/boom" });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { error: { code: "lti", message: "The LTI request was rejected." } });
  });

  it("gives signature, timestamp and nonce failures 401 and malformed requests 400", () => {
    assert.equal(LTI_ERROR_STATUS.bad_signature, 401);
    assert.equal(LTI_ERROR_STATUS.replayed_nonce, 401);
    assert.equal(LTI_ERROR_STATUS.missing_parameter, 400);
    assert.equal(LTI_ERROR_STATUS.invalid_xml, 400);
  });
});
