import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportJWK, exportSPKI, generateKeyPair } from "jose";
import { ParameterError } from "../errors.js";
import { cachedKeyset, parseJwks, shouldFetchKeyset, staticKeyset } from "./jwks-cache.js";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
const policy = { maxAgeSeconds: 600, refetchCooldownSeconds: 30 };

describe("shouldFetchKeyset", () => {
  const cases: Array<
    [string, Parameters<typeof shouldFetchKeyset>[0], "lookup" | "unknown_kid", number, boolean]
  > = [
    ["nothing cached: fetch", {}, "lookup", 0, true],
    ["a fresh copy: use it", { fetchedAt: at(0), attemptedAt: at(0) }, "lookup", 599, false],
    ["a copy past its maximum age: fetch", { fetchedAt: at(0), attemptedAt: at(0) }, "lookup", 600, true],
    [
      "an unknown kid within the cooldown: no refetch",
      { fetchedAt: at(0), attemptedAt: at(0) },
      "unknown_kid",
      29,
      false,
    ],
    [
      "an unknown kid after the cooldown: refetch",
      { fetchedAt: at(0), attemptedAt: at(0) },
      "unknown_kid",
      30,
      true,
    ],
    ["a first fetch that failed just now: wait the cooldown", { attemptedAt: at(0) }, "lookup", 10, false],
    ["a first fetch that failed a while ago: try again", { attemptedAt: at(0) }, "lookup", 31, true],
  ];
  for (const [name, state, reason, now, expected] of cases) {
    it(name, () => assert.equal(shouldFetchKeyset(state, reason, at(now), policy), expected));
  }
});

describe("cachedKeyset", () => {
  function setup(responses: Array<unknown | Error>) {
    let now = 0;
    let fetches = 0;
    const clock = { now: () => at(now) };
    const port = cachedKeyset(
      async () => {
        const r = responses[Math.min(fetches++, responses.length - 1)];
        if (r instanceof Error) throw r;
        return r;
      },
      clock,
      policy,
    );
    return { port, fetches: () => fetches, tick: (s: number) => (now += s) };
  }
  const set = (...kids: string[]) => ({ keys: kids.map((kid) => ({ kty: "RSA", kid, n: "n", e: "AQAB" })) });

  it("fetches once, serves the cache until the maximum age, then fetches again", async () => {
    const s = setup([set("a"), set("b")]);
    assert.deepEqual(
      (await s.port.current()).map((k) => k.kid),
      ["a"],
    );
    s.tick(599);
    assert.deepEqual(
      (await s.port.current()).map((k) => k.kid),
      ["a"],
    );
    assert.equal(s.fetches(), 1);
    s.tick(1);
    assert.deepEqual(
      (await s.port.current()).map((k) => k.kid),
      ["b"],
    );
    assert.equal(s.fetches(), 2);
  });

  it("refetches on an unknown kid at most once per cooldown, however many tokens ask", async () => {
    const s = setup([set("a"), set("a", "b")]);
    await s.port.current();
    s.tick(31);
    const all = await Promise.all([s.port.refetch(), s.port.refetch(), s.port.refetch()]);
    assert.equal(s.fetches(), 2, "concurrent refetches share one request");
    assert.deepEqual(
      all[2]!.map((k) => k.kid),
      ["a", "b"],
    );
    await s.port.refetch();
    assert.equal(s.fetches(), 2, "within the cooldown");
  });

  it("keeps the cached keys when a refetch fails, and throws when the first fetch fails", async () => {
    const s = setup([set("a"), new Error("ECONNRESET")]);
    await s.port.current();
    s.tick(31);
    assert.deepEqual(
      (await s.port.refetch()).map((k) => k.kid),
      ["a"],
    );
    const f = setup([new Error("ECONNREFUSED")]);
    await assert.rejects(f.port.current(), /ECONNREFUSED/);
    await assert.rejects(
      f.port.current(),
      (e: unknown) => (e as { code?: string }).code === "jwt_keyset_unavailable",
    );
    assert.equal(f.fetches(), 1, "no second attempt within the cooldown");
  });

  it("refuses a document that is not a key set", async () => {
    const s = setup([{ keys: "nope" }]);
    await assert.rejects(
      s.port.current(),
      (e: unknown) => e instanceof ParameterError && e.parameter === "jwks",
    );
    assert.deepEqual(parseJwks({ keys: [{ kty: "RSA" }, 1, null, { no: "kty" }] }), [{ kty: "RSA" }]);
  });
});

describe("staticKeyset", () => {
  it("reads a pasted SPKI PEM, a JWK and a JWKS", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const pem = await exportSPKI(publicKey);
    const fromPem = await (await staticKeyset(pem, "pasted")).current();
    assert.equal(fromPem[0]!.kid, "pasted");
    assert.equal(fromPem[0]!.kty, "RSA");
    const jwk = await exportJWK(publicKey);
    assert.equal((await (await staticKeyset(JSON.stringify({ ...jwk, kid: "j1" }))).current())[0]!.kid, "j1");
    const jwks = JSON.stringify({ keys: [{ ...jwk, kid: "s1" }] });
    assert.equal((await (await staticKeyset(jwks)).refetch())[0]!.kid, "s1");
    await assert.rejects(
      staticKeyset(JSON.stringify(await exportJWK(privateKey))),
      (e: unknown) => e instanceof ParameterError && e.reason === "expected RSA public keys only",
    );
    for (const bad of ["", "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", "{", '{"kty":"EC"}']) {
      await assert.rejects(
        staticKeyset(bad),
        (e: unknown) => e instanceof ParameterError && e.parameter !== "",
      );
    }
  });
});
