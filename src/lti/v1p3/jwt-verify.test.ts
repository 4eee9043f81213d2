import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  CompactSign,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { JwtError, type LtiErrorCode } from "../errors.js";
import { type KeysetPort, memoryNonceStore, type PublicJwk } from "../ports.js";
import { type VerifyToolJwtOptions, verifyToolJwt } from "./jwt-verify.js";

const NOW = 1_800_000_000;
const clock = { now: () => new Date(NOW * 1000) };
const TOOL = "tool-client-1";
const PLATFORM = "https://pluto.example";

let toolKey: CryptoKey;
let otherKey: CryptoKey;
let toolJwk: PublicJwk;
/** The tool's private key, imported for RS512 (WebCrypto binds a key to one hash). */
let toolKey512: CryptoKey;

before(async () => {
  const a = await generateKeyPair("RS256", { extractable: true });
  const b = await generateKeyPair("RS256");
  toolKey = a.privateKey;
  otherKey = b.privateKey;
  toolKey512 = (await importJWK(await exportJWK(a.privateKey), "RS512")) as CryptoKey;
  toolJwk = { ...(await exportJWK(a.publicKey)), kty: "RSA", kid: "tk1", alg: "RS256", use: "sig" };
});

/** A keyset whose refetch may bring more keys; counts the calls. */
function keyset(current: PublicJwk[], afterRefetch: PublicJwk[] = current) {
  const calls = { current: 0, refetch: 0 };
  const port: KeysetPort = {
    current: async () => {
      calls.current++;
      return current;
    },
    refetch: async () => {
      calls.refetch++;
      return afterRefetch;
    },
  };
  return { port, calls };
}

const claims = (over: Record<string, unknown> = {}): JWTPayload => ({
  iss: TOOL,
  aud: PLATFORM,
  iat: NOW - 5,
  exp: NOW + 300,
  nonce: "n-1",
  ...over,
});

function sign(
  payload: JWTPayload,
  header: Record<string, unknown> = { alg: "RS256", kid: "tk1" },
  key = toolKey,
) {
  const p = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  return new SignJWT(p).setProtectedHeader(header as { alg: string }).sign(key);
}

function options(over: Partial<VerifyToolJwtOptions> = {}): VerifyToolJwtOptions {
  return { expectedIssuer: TOOL, expectedAudience: PLATFORM, keys: keyset([toolJwk]).port, clock, ...over };
}

async function refused(
  token: Promise<string> | string,
  code: LtiErrorCode,
  over: Partial<VerifyToolJwtOptions> = {},
  claim?: string,
) {
  await assert.rejects(verifyToolJwt(await token, options(over)), (e: unknown) => {
    assert.ok(e instanceof JwtError, `expected a JwtError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (claim !== undefined) assert.equal(e.details.claim, claim);
    return true;
  });
}

describe("verifyToolJwt accepts", () => {
  it("a token signed by the tool's key, and returns its payload, kid and alg", async () => {
    const v = await verifyToolJwt(
      await sign(claims({ "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0" })),
      options(),
    );
    assert.equal(v.payload.iss, TOOL);
    assert.equal(v.payload["https://purl.imsglobal.org/spec/lti/claim/version"], "1.3.0");
    assert.equal(v.kid, "tk1");
    assert.equal(v.alg, "RS256");
  });

  it("an aud array holding the platform with azp (case 121, Schoology) and a one-element array", async () => {
    await verifyToolJwt(
      await sign(claims({ aud: [PLATFORM, "https://other.example"], azp: PLATFORM })),
      options({ trustedAudiences: ["https://other.example"] }),
    );
    await verifyToolJwt(await sign(claims({ aud: [PLATFORM] })), options());
  });

  it("extra audiences vouched for by azp only with trustAudiencesWithAzp (an id_token at the tool side)", async () => {
    const token = await sign(claims({ aud: [PLATFORM, "https://other.example"], azp: PLATFORM }));
    await verifyToolJwt(token, options({ trustAudiencesWithAzp: true }));
    await refused(token, "jwt_wrong_audience");
    await refused(
      sign(claims({ aud: [PLATFORM, "https://other.example"], azp: "https://other.example" })),
      "jwt_wrong_audience",
      { trustAudiencesWithAzp: true },
      "aud",
    );
    await refused(sign(claims({ aud: [PLATFORM, "https://other.example"] })), "jwt_wrong_audience", {
      trustAudiencesWithAzp: true,
    });
  });

  it("exp and iat within the leeway (case 122: 30–60 s avoids false rejections)", async () => {
    await verifyToolJwt(await sign(claims({ exp: NOW - 50, iat: NOW + 50 })), options());
  });

  it("a kid found only after one refetch of the key set (the tool rotated, case 116)", async () => {
    const { port, calls } = keyset([], [toolJwk]);
    await verifyToolJwt(await sign(claims()), options({ keys: port }));
    assert.deepEqual(calls, { current: 1, refetch: 1 });
  });

  it("without refetching when the kid is cached", async () => {
    const { port, calls } = keyset([toolJwk]);
    await verifyToolJwt(await sign(claims()), options({ keys: port }));
    assert.deepEqual(calls, { current: 1, refetch: 0 });
  });

  it("with the key the key set holds now, when a key was replaced under the same kid", async () => {
    const next = await generateKeyPair("RS256", { extractable: true });
    const nextJwk: PublicJwk = { ...(await exportJWK(next.publicKey)), kty: "RSA", kid: "tk1" };
    const mutable: PublicJwk = { ...toolJwk };
    const keys = keyset([mutable]).port;
    await verifyToolJwt(await sign(claims()), options({ keys }));
    // The same JWK object, its key replaced: the old key's token fails, the new key's passes.
    Object.assign(mutable, { n: nextJwk.n, e: nextJwk.e });
    await refused(sign(claims()), "jwt_invalid_signature", { keys });
    await verifyToolJwt(
      await sign(claims(), { alg: "RS256", kid: "tk1" }, next.privateKey),
      options({ keys }),
    );
    // A new JWK object for the kid (a refetched key set) is used as it is.
    await verifyToolJwt(
      await sign(claims(), { alg: "RS256", kid: "tk1" }, next.privateKey),
      options({ keys: keyset([nextJwk]).port }),
    );
    await refused(sign(claims()), "jwt_invalid_signature", { keys: keyset([nextJwk]).port });
  });

  it("RS512 when the registration allows it", async () => {
    const jwk = { ...toolJwk, alg: undefined };
    await verifyToolJwt(
      await sign(claims(), { alg: "RS512", kid: "tk1" }, toolKey512),
      options({ keys: keyset([jwk]).port, algorithms: ["RS256", "RS512"] }),
    );
  });
});

describe("verifyToolJwt refuses", () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const table: Array<
    [string, () => Promise<string> | string, LtiErrorCode, Partial<VerifyToolJwtOptions>?, string?]
  > = [
    ["not a JWT (case 127)", () => "not-a-jwt", "jwt_malformed"],
    ["two segments", () => `${b64({ alg: "RS256" })}.${b64({})}`, "jwt_malformed"],
    [
      "a header that is not JSON",
      () => `${Buffer.from("{x").toString("base64url")}.${b64({})}.sig`,
      "jwt_malformed",
    ],
    [
      "a payload that is not a JSON object",
      async () =>
        new CompactSign(new TextEncoder().encode("[1]"))
          .setProtectedHeader({ alg: "RS256", kid: "tk1" })
          .sign(toolKey),
      "jwt_malformed",
    ],
    ["alg none (case 117)", () => new UnsecuredJWT(claims()).encode(), "jwt_alg_not_allowed"],
    [
      "HS256, symmetric signing being forbidden (case 117)",
      () => new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "tk1" }).sign(new Uint8Array(32)),
      "jwt_alg_not_allowed",
    ],
    [
      "RS512 when only RS256 is allowed",
      () => sign(claims(), { alg: "RS512", kid: "tk1" }, toolKey512),
      "jwt_alg_not_allowed",
    ],
    [
      "no kid, even with one key in the set (case 115)",
      () => sign(claims(), { alg: "RS256" }),
      "jwt_missing_kid",
    ],
    [
      "a kid missing after the refetch (case 116)",
      () => sign(claims(), { alg: "RS256", kid: "rotated-away" }),
      "jwt_unknown_kid",
    ],
    [
      "a key whose alg is not the header's (case 118)",
      () => sign(claims(), { alg: "RS512", kid: "tk1" }, toolKey512),
      "jwt_key_mismatch",
      { algorithms: ["RS512"] },
    ],
    [
      "a tampered payload (case 119)",
      async () => {
        const [h, , s] = (await sign(claims())).split(".");
        return `${h}.${b64(claims({ sub: "admin" }))}.${s}`;
      },
      "jwt_invalid_signature",
    ],
    [
      "a signature by another key under the tool's kid",
      () => sign(claims(), undefined, otherKey),
      "jwt_invalid_signature",
    ],
    [
      "another issuer (case 128: iss is the tool's client_id)",
      () => sign(claims({ iss: "tool-client-2" })),
      "jwt_wrong_issuer",
      {},
      "iss",
    ],
    [
      "an issuer with a trailing slash (no fixes, case 120)",
      () => sign(claims({ iss: `${TOOL}/` })),
      "jwt_wrong_issuer",
    ],
    ["no iss", () => sign(claims({ iss: undefined })), "jwt_missing_claim", {}, "iss"],
    [
      "another audience",
      () => sign(claims({ aud: "https://other.example" })),
      "jwt_wrong_audience",
      {},
      "aud",
    ],
    [
      "an untrusted extra audience (OIDC §3.1.3.7)",
      () => sign(claims({ aud: [PLATFORM, "https://evil.example"], azp: PLATFORM })),
      "jwt_wrong_audience",
      {},
      "aud",
    ],
    [
      "several audiences and no azp",
      () => sign(claims({ aud: [PLATFORM, "https://other.example"] })),
      "jwt_wrong_audience",
      { trustedAudiences: ["https://other.example"] },
      "azp",
    ],
    [
      "an azp that is not the platform",
      () => sign(claims({ azp: "someone" })),
      "jwt_wrong_audience",
      {},
      "azp",
    ],
    ["an aud that is not a string", () => sign(claims({ aud: [1] })), "jwt_wrong_audience"],
    ["no aud", () => sign(claims({ aud: undefined })), "jwt_missing_claim", {}, "aud"],
    ["an exp past the leeway", () => sign(claims({ exp: NOW - 61 })), "jwt_expired", {}, "exp"],
    ["no exp", () => sign(claims({ exp: undefined })), "jwt_missing_claim", {}, "exp"],
    ["an exp that is not a number", () => sign(claims({ exp: "soon" })), "jwt_malformed", {}, "exp"],
    [
      "an iat an hour in the future (which ltijs and @lti-tool/core accept)",
      () => sign(claims({ iat: NOW + 3600 })),
      "jwt_issued_in_future",
      {},
      "iat",
    ],
    ["no iat", () => sign(claims({ iat: undefined })), "jwt_missing_claim", {}, "iat"],
    [
      "an iat older than the maximum age",
      () => sign(claims({ iat: NOW - 400 })),
      "jwt_too_old",
      { maxAgeSeconds: 300 },
      "iat",
    ],
    ["an nbf past the leeway", () => sign(claims({ nbf: NOW + 120 })), "jwt_not_yet_valid", {}, "nbf"],
    [
      "no nonce when one is required",
      () => sign(claims({ nonce: undefined })),
      "jwt_missing_claim",
      { nonceStore: memoryNonceStore(clock) },
      "nonce",
    ],
  ];
  for (const [name, token, code, over, claim] of table) {
    it(`${name}: ${code}`, () => refused(token(), code, over, claim));
  }

  it("a replayed nonce (case 123), while a refused token does not burn its nonce", async () => {
    const nonceStore = memoryNonceStore(clock);
    await refused(sign(claims({ nonce: "n-9", exp: NOW - 100 })), "jwt_expired", { nonceStore });
    await verifyToolJwt(await sign(claims({ nonce: "n-9" })), options({ nonceStore }));
    await refused(sign(claims({ nonce: "n-9" })), "jwt_nonce_reused", { nonceStore }, "nonce");
  });

  it("an unknown kid after exactly one refetch, however the keyset answers", async () => {
    const { port, calls } = keyset([toolJwk], [toolJwk]);
    await refused(sign(claims(), { alg: "RS256", kid: "nope" }), "jwt_unknown_kid", { keys: port });
    assert.deepEqual(calls, { current: 1, refetch: 1 });
  });

  it("a key set that cannot be read: jwt_keyset_unavailable, with the cause", async () => {
    const keys: KeysetPort = {
      current: () => Promise.reject(new Error("ECONNREFUSED")),
      refetch: () => Promise.reject(new Error("x")),
    };
    await refused(sign(claims()), "jwt_keyset_unavailable", { keys });
  });

  it("a key that is not RSA under the kid", async () => {
    await refused(sign(claims()), "jwt_key_mismatch", {
      keys: keyset([{ kty: "EC", kid: "tk1", crv: "P-256" }]).port,
    });
  });

  it("a key for encryption under the kid", async () => {
    await refused(sign(claims()), "jwt_key_mismatch", { keys: keyset([{ ...toolJwk, use: "enc" }]).port });
  });
});
