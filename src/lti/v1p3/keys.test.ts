import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import { createLocalJWKSet, exportJWK, generateKeyPair, importPKCS8, jwtVerify, SignJWT } from "jose";
import { ParameterError } from "../errors.js";
import {
  buildJwks,
  generatePlatformKey,
  importPlatformSigningKey,
  type KeyLifecycle,
  planRotateNow,
  planRotation,
  type RotationPolicy,
  signPlatformJwt,
} from "./keys.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const HOUR = 3600;
const DAY = 24 * HOUR;
const day = (d: number) => new Date(T0 + d * DAY * 1000);
const clock = { now: () => day(0) };
const policy: RotationPolicy = {
  rotationPeriodSeconds: 30 * DAY,
  jwksCachePeriodSeconds: DAY,
  maxTokenLifetimeSeconds: 600,
};

describe("platform key pairs", () => {
  it("generates an RSA 2048 key whose kid is its thumbprint and whose JWK is public only", async () => {
    const k = await generatePlatformKey(clock);
    assert.deepEqual(Object.keys(k.publicJwk).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
    assert.equal(k.publicJwk.kid, k.kid);
    assert.equal(k.publicJwk.alg, "RS256");
    assert.equal(k.publicJwk.use, "sig");
    assert.equal(Buffer.from(k.publicJwk.n as string, "base64url").length * 8, 2048);
    assert.match(k.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.match(k.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(k.createdAt, day(0));
    const other = await generatePlatformKey(clock);
    assert.notEqual(other.kid, k.kid);
  });

  it("publishes only public members in the JWKS, whatever the stored JWK holds", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const priv = { ...(await exportJWK(privateKey)), kty: "RSA" };
    assert.ok("d" in priv);
    const jwks = buildJwks([{ kid: "k1", publicJwk: priv }]);
    assert.deepEqual(Object.keys(jwks.keys[0]!).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
    assert.equal(jwks.keys[0]!.kid, "k1");
  });

  it("refuses to publish a key that is not RSA", () => {
    assert.throws(
      () => buildJwks([{ kid: "k", publicJwk: { kty: "EC", crv: "P-256", x: "a", y: "b" } }]),
      (e: unknown) =>
        e instanceof ParameterError && e.code === "invalid_parameter" && e.parameter === "publicJwk",
    );
  });

  it("signs with the stored private key: RS256 with its kid, verified by jose against the JWKS", async () => {
    const k = await generatePlatformKey(clock);
    const signing = await importPlatformSigningKey(k);
    const token = await signPlatformJwt({ iss: "https://pluto.example", sub: "u1" }, signing);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(buildJwks([k])), {
      algorithms: ["RS256"],
      issuer: "https://pluto.example",
    });
    assert.equal(payload.sub, "u1");
    assert.deepEqual(protectedHeader, { alg: "RS256", kid: k.kid, typ: "JWT" });
  });

  it("signs the very bytes jose's SignJWT makes with the same key (RS256 is deterministic)", async () => {
    const k = await generatePlatformKey(clock);
    const payload = {
      iss: "https://pluto.example",
      aud: "client-1",
      sub: "u1",
      iat: 1_800_000_000,
      name: "Zoë «Ω» \u2028",
      "https://purl.imsglobal.org/spec/lti/claim/roles": ["Learner"],
      nested: { list: [1, 2.5, null, true], absent: undefined },
    };
    const ours = await signPlatformJwt(payload, await importPlatformSigningKey(k));
    const jose = await new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: k.kid, typ: "JWT" })
      .sign(await importPKCS8(k.privateKeyPem, "RS256"));
    assert.equal(ours, jose);
  });

  it("refuses to sign a payload that is not a JSON object", async () => {
    const signing = await importPlatformSigningKey(await generatePlatformKey(clock));
    for (const payload of [null, [], "claims"])
      await assert.rejects(
        signPlatformJwt(payload as never, signing),
        (e: unknown) => e instanceof ParameterError && e.parameter === "payload",
      );
  });

  it("refuses a stored private key that is not RSA, shorter than 2048 bits, or PKCS #1", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const refused: Array<[KeyObject, "pkcs8" | "pkcs1"]> = [
      [generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "pkcs8"],
      [generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey, "pkcs8"],
      [generateKeyPairSync("rsa-pss", { modulusLength: 2048 }).privateKey, "pkcs8"],
      [rsa, "pkcs1"],
    ];
    for (const [key, type] of refused)
      await assert.rejects(
        importPlatformSigningKey({ kid: "k", privateKeyPem: key.export({ type, format: "pem" }).toString() }),
        (e: unknown) => e instanceof ParameterError && e.parameter === "privateKeyPem",
      );
    const pem = rsa.export({ type: "pkcs8", format: "pem" }).toString();
    assert.equal((await importPlatformSigningKey({ kid: "k", privateKeyPem: pem })).kid, "k");
  });

  it("refuses a stored private key that is not PKCS #8", async () => {
    await assert.rejects(
      importPlatformSigningKey({
        kid: "k",
        privateKeyPem: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
      }),
      (e: unknown) => e instanceof ParameterError && e.parameter === "privateKeyPem",
    );
  });
});

const key = (
  kid: string,
  created: number,
  activates: number,
  extra: Partial<KeyLifecycle> = {},
): KeyLifecycle => ({
  kid,
  createdAt: day(created),
  activatesAt: day(activates),
  ...extra,
});

describe("the rotation plan", () => {
  const k1 = key("k1", 0, 0);
  const k2 = key("k2", 29, 30);
  const after = (d: number, seconds: number) => new Date(day(d).getTime() + seconds * 1000);
  const cases: Array<{
    name: string;
    keys: KeyLifecycle[];
    now: Date;
    signs: string | undefined;
    published: string[];
    create?: Date;
    retire?: Array<{ kid: string; retiredAt: Date }>;
    deletable?: string[];
    review: Date;
  }> = [
    {
      name: "first start: a key is created that signs at once",
      keys: [],
      now: day(0),
      signs: undefined,
      published: [],
      create: day(0),
      review: day(0),
    },
    {
      name: "mid-period: the one key signs, the next is due a cache period before the rotation",
      keys: [k1],
      now: day(10),
      signs: "k1",
      published: ["k1"],
      review: day(29),
    },
    {
      name: "a cache period before the rotation: the next key is created to sign at the rotation",
      keys: [k1],
      now: day(29),
      signs: "k1",
      published: ["k1"],
      create: day(30),
      review: day(29),
    },
    {
      name: "the next key is published before it signs",
      keys: [k1, k2],
      now: after(29, 1),
      signs: "k1",
      published: ["k1", "k2"],
      review: day(30),
    },
    {
      name: "at the rotation the next key signs and the previous stays published, its retirement stored",
      keys: [k1, k2],
      now: after(30, 1),
      signs: "k2",
      published: ["k2", "k1"],
      retire: [{ kid: "k1", retiredAt: day(30) }],
      review: after(30, 600),
    },
    {
      name: "once everything the previous key signed has expired it leaves the JWKS",
      keys: [{ ...k1, retiredAt: day(30) }, k2],
      now: after(30, 601),
      signs: "k2",
      published: ["k2"],
      review: after(31, 600),
    },
    {
      name: "a cache period after that its row may be deleted",
      keys: [{ ...k1, retiredAt: day(30) }, k2],
      now: after(31, 600),
      signs: "k2",
      published: ["k2"],
      deletable: ["k1"],
      review: day(59),
    },
    {
      name: "a late run still publishes the next key a full cache period before it signs",
      keys: [k1],
      now: day(35),
      signs: "k1",
      published: ["k1"],
      create: day(36),
      review: day(35),
    },
    {
      name: "a revoked key is neither signing nor published",
      keys: [key("k1", 0, 0, { revokedAt: day(5) }), key("k3", 5, 5)],
      now: day(6),
      signs: "k3",
      published: ["k3"],
      review: after(6, 600),
    },
    {
      name: "with the signer revoked and a published next key, that key signs early",
      keys: [key("k1", 0, 0, { revokedAt: day(29) }), k2],
      now: after(29, 10),
      signs: "k2",
      published: ["k2"],
      review: day(30),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planRotation(c.keys, c.now, policy);
      assert.equal(plan.signingKid, c.signs);
      assert.deepEqual(plan.publishedKids, c.published);
      assert.deepEqual(plan.create, c.create === undefined ? undefined : { activatesAt: c.create });
      assert.deepEqual(plan.retire, c.retire ?? []);
      assert.deepEqual(plan.deletable, c.deletable ?? []);
      assert.deepEqual(plan.nextReviewAt, c.review);
    });
  }

  it("refuses a policy with a zero or negative period", () => {
    for (const bad of [
      { rotationPeriodSeconds: 0 },
      { jwksCachePeriodSeconds: -1 },
      { maxTokenLifetimeSeconds: Number.NaN },
    ]) {
      assert.throws(
        () => planRotation([], day(0), { ...policy, ...bad }),
        (e: unknown) => e instanceof ParameterError && e.parameter === Object.keys(bad)[0],
      );
    }
  });

  it("never lets a token fail over 120 days of hourly runs: keys published a cache period before they sign and until their tokens expire", () => {
    const p: RotationPolicy = {
      rotationPeriodSeconds: 7 * DAY,
      jwksCachePeriodSeconds: DAY,
      maxTokenLifetimeSeconds: 3 * HOUR,
    };
    let keys: KeyLifecycle[] = [];
    let n = 0;
    const signedAt = new Map<string, number[]>();
    const publishedAt = new Map<string, number[]>();
    let deleted = 0;
    for (let hour = 0; hour < 120 * 24; hour++) {
      const now = new Date(T0 + hour * HOUR * 1000);
      let plan = planRotation(keys, now, p);
      if (plan.create) {
        keys.push({ kid: `k${++n}`, createdAt: now, activatesAt: plan.create.activatesAt });
        plan = planRotation(keys, now, p);
      }
      for (const r of plan.retire)
        keys = keys.map((k) => (k.kid === r.kid ? { ...k, retiredAt: r.retiredAt } : k));
      deleted += plan.deletable.length;
      keys = keys.filter((k) => !plan.deletable.includes(k.kid));
      assert.ok(plan.signingKid, `a key signs at hour ${hour}`);
      assert.ok(plan.publishedKids.includes(plan.signingKid));
      signedAt.set(plan.signingKid, [...(signedAt.get(plan.signingKid) ?? []), hour]);
      for (const kid of plan.publishedKids) publishedAt.set(kid, [...(publishedAt.get(kid) ?? []), hour]);
      assert.ok(plan.nextReviewAt.getTime() >= now.getTime());
    }
    assert.ok(n >= 17, `rotated every week (${n} keys)`);
    assert.ok(deleted >= n - 3, "retired keys are deleted in time");
    for (const [kid, hours] of signedAt) {
      const pub = new Set(publishedAt.get(kid));
      const first = hours[0]!;
      if (kid !== "k1") {
        for (let h = first - 24; h < first; h++)
          assert.ok(pub.has(h), `${kid} published at hour ${h}, a day before it signs`);
      }
      const last = hours[hours.length - 1]!;
      for (let h = last; h <= Math.min(last + 3, 120 * 24 - 1); h++)
        assert.ok(pub.has(h), `${kid} still published at ${h}`);
    }
  });
});

describe("rotate now", () => {
  it("revokes the signing key and creates a key that signs at once; the leaked key leaves the JWKS at once", () => {
    const keys = [key("k1", 0, 0), key("k2", 29, 30)];
    const now = day(10);
    const r = planRotateNow(keys, now, policy);
    assert.deepEqual(r, { revoke: [{ kid: "k1", revokedAt: now }], create: { activatesAt: now } });
    const after = [
      { ...keys[0]!, revokedAt: now },
      keys[1]!,
      { kid: "k9", createdAt: now, activatesAt: now },
    ];
    const plan = planRotation(after, now, policy);
    assert.equal(plan.signingKid, "k9");
    assert.deepEqual(plan.publishedKids, ["k9", "k2"]);
  });

  it("revokes exactly the keys named, ignoring unknown and already revoked ones", () => {
    const keys = [key("k1", 0, 0, { revokedAt: day(1) }), key("k2", 1, 1), key("k3", 2, 3)];
    const r = planRotateNow(keys, day(2), policy, ["k1", "k2", "k3", "nope"]);
    assert.deepEqual(
      r.revoke.map((x) => x.kid),
      ["k2", "k3"],
    );
  });
});
