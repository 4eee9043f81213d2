// A tool's key set as the platform side reads it: fetched from the tool's JWKS URL through the outbound
// guard (a loopback tool only with its address allowed), cached, refetched once on an unknown kid and not
// again within the cooldown; a pasted PEM serves its one key.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { exportSPKI, importJWK } from "jose";
import type { AppContext } from "../../app/context.js";
import { parseConfig } from "../../config/config.js";
import { DEFAULT_JWKS_REFETCH_COOLDOWN_SECONDS } from "../../lti/v1p3/jwks-cache.js";
import { buildJwks, type GeneratedPlatformKey, generatePlatformKey } from "../../lti/v1p3/keys.js";
import { FakeClock } from "../../shared/clock.js";
import { OutboundError } from "../../shared/outbound.js";
import { toolKeyset } from "./tool-keysets.service.js";

describe("tool key sets", () => {
  let server: Server;
  let url: string;
  let served: GeneratedPlatformKey[];
  let requests = 0;
  let first: GeneratedPlatformKey;
  let second: GeneratedPlatformKey;
  const ctxWith = (allow: string[]) =>
    ({
      config: { ...parseConfig({ DATABASE_URL: "sqlite::memory:" }), outboundAllow: allow },
      clock: new FakeClock(new Date("2026-06-01T00:00:00Z")),
    }) as Pick<AppContext, "config" | "clock"> & { clock: FakeClock };

  before(async () => {
    const clock = new FakeClock();
    first = await generatePlatformKey(clock);
    second = await generatePlatformKey(clock);
    served = [first];
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(buildJwks(served)));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const kids = (keys: readonly { kid?: string }[]) => keys.map((k) => k.kid);

  it("refuses a loopback key set URL the allow list does not name, without a request", async () => {
    requests = 0;
    const keys = await toolKeyset(ctxWith([]), { jwksUrl: url });
    await assert.rejects(keys.current(), (e: unknown) => {
      assert.ok(e instanceof OutboundError);
      assert.equal(e.reason, "blocked_address");
      return true;
    });
    assert.equal(requests, 0);
  });

  it("fetches once, keeps the copy, refetches once on an unknown kid and not again within the cooldown", async () => {
    requests = 0;
    served = [first];
    const ctx = ctxWith(["127.0.0.1"]);
    const keys = await toolKeyset(ctx, { jwksUrl: url });
    assert.deepEqual(kids(await keys.current()), [first.kid]);
    assert.deepEqual(kids(await keys.current()), [first.kid]);
    assert.equal(requests, 1, "the cached copy answers the second lookup");
    assert.equal(await toolKeyset(ctx, { jwksUrl: url }), keys, "one cache per URL");

    // The tool rotated: a JWT with the new kid is not in the cached copy, so the verifier refetches once.
    served = [second, first];
    ctx.clock.advance(DEFAULT_JWKS_REFETCH_COOLDOWN_SECONDS);
    assert.deepEqual(kids(await keys.refetch()), [second.kid, first.kid]);
    assert.equal(requests, 2);
    // A stranger's made-up kids do not make Pluto hammer the tool's server.
    await keys.refetch();
    await keys.refetch();
    assert.equal(requests, 2);
    ctx.clock.advance(DEFAULT_JWKS_REFETCH_COOLDOWN_SECONDS);
    await keys.refetch();
    assert.equal(requests, 3);
  });

  it("serves a pasted PEM public key under the kid given", async () => {
    const pem = await exportSPKI(
      (await importJWK(first.publicJwk, "RS256", { extractable: true })) as CryptoKey,
    );
    const keys = await toolKeyset(ctxWith([]), { publicKey: pem, kid: "pasted" });
    const [k] = await keys.current();
    assert.equal(k?.kid, "pasted");
    assert.equal(k?.n, first.publicJwk.n);
  });
});
