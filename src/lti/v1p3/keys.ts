// The platform's signing keys: RSA key pairs, the JWKS document and the rotation plan.
// 1EdTech Security Framework 1.0 §6 (key management): "A JSON Web Key Set (JWKS) ... MUST include a kid";
// §6.3 / §6.4: issuers rotate keys, so a key set may hold several keys and verifiers select by `kid`;
// LTI 1.3 implementation guide, "private key management". Conformance cases 114–116; peers note §4.7.
//
// The plan is pure: it reads the stored keys and the time, and says what the caller must do (create a
// key, store a retirement, delete rows). Several nodes share the keys: each node may run the plan; the
// caller serialises the writes (one transaction, or the scheduler's single task).

import { createPrivateKey, type KeyObject, sign } from "node:crypto";
import type { JWTPayload } from "jose";
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { ParameterError } from "../errors.js";
import type { Clock, PublicJwk } from "../ports.js";

/** The one algorithm Pluto signs with (Security Framework §6.1: RS256; certification §5.1 "Signed with RSA 256"). */
export const PLATFORM_ALG = "RS256";
export const PLATFORM_MODULUS_LENGTH = 2048;

/** A freshly generated key pair, in the forms the database keeps. */
export interface GeneratedPlatformKey {
  /** The RFC 7638 thumbprint of the public key: never reused, since it names one key. */
  kid: string;
  createdAt: Date;
  /** The public key as published: kty, n, e, kid, alg, use. */
  publicJwk: PublicJwk;
  /** PKCS #8 PEM of the private key. A secret: never logged, never published. */
  privateKeyPem: string;
}

/** Generates an RSA 2048 key pair for RS256 with its `kid`. */
export async function generatePlatformKey(clock: Clock): Promise<GeneratedPlatformKey> {
  const { publicKey, privateKey } = await generateKeyPair(PLATFORM_ALG, {
    modulusLength: PLATFORM_MODULUS_LENGTH,
    extractable: true,
  });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return {
    kid,
    createdAt: clock.now(),
    publicJwk: publicPart({ ...jwk, kty: "RSA" }, kid),
    privateKeyPem: await exportPKCS8(privateKey),
  };
}

/** Only the public members of an RSA key, labelled for signatures (RFC 7517 §4.2 `use`, §4.4 `alg`). */
function publicPart(jwk: PublicJwk, kid: string): PublicJwk {
  if (jwk.kty !== "RSA" || typeof jwk.n !== "string" || typeof jwk.e !== "string") {
    throw new ParameterError("invalid_parameter", "publicJwk", "not an RSA public key");
  }
  return { kty: "RSA", n: jwk.n, e: jwk.e, kid, alg: PLATFORM_ALG, use: "sig" };
}

/**
 * The JWKS document for the given keys (RFC 7517 §5): public members only, whatever the stored JWK holds,
 * each with its `kid` ("MUST include a kid", Security Framework §6.3). Pass the plan's published keys.
 */
export function buildJwks(keys: ReadonlyArray<{ kid: string; publicJwk: PublicJwk }>): { keys: PublicJwk[] } {
  return { keys: keys.map((k) => publicPart(k.publicJwk, k.kid)) };
}

/** A private key ready to sign, with the `kid` that goes into the JWT header. */
export interface PlatformSigningKey {
  kid: string;
  /** An RSA private key of at least PLATFORM_MODULUS_LENGTH bits, as node:crypto signs with it. */
  privateKey: KeyObject;
}

/** Imports a stored private key for signing: a PKCS #8 PEM of an RSA key of at least 2048 bits. */
export async function importPlatformSigningKey(stored: {
  kid: string;
  privateKeyPem: string;
}): Promise<PlatformSigningKey> {
  const refused = (why: string) =>
    new ParameterError("invalid_parameter", "privateKeyPem", `not a PKCS #8 RSA key (${why})`);
  if (!stored.privateKeyPem.startsWith("-----BEGIN PRIVATE KEY-----")) throw refused("not PKCS #8 PEM");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: stored.privateKeyPem, format: "pem" });
  } catch (cause) {
    throw refused(String(cause));
  }
  if (privateKey.asymmetricKeyType !== "rsa") throw refused(`a ${privateKey.asymmetricKeyType} key`);
  // RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used with these algorithms."
  if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < PLATFORM_MODULUS_LENGTH)
    throw refused(`shorter than ${PLATFORM_MODULUS_LENGTH} bits`);
  return { kid: stored.kid, privateKey };
}

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

/**
 * Signs a platform JWT (id_token, deep linking request): RS256 with the `kid` header (case 114:
 * "The JWT header has alg=RS256 and a kid that our JWKS publishes"). The payload is signed as given.
 *
 * RFC 7515 compact serialisation, signed RSASSA-PKCS1-v1_5 SHA-256 (RFC 7518 §3.3) by node:crypto: the
 * same bytes jose's SignJWT makes (the signature is deterministic), at about two thirds of the CPU time
 * of its WebCrypto path, on every launch.
 */
export async function signPlatformJwt(payload: JWTPayload, key: PlatformSigningKey): Promise<string> {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new ParameterError("invalid_parameter", "payload", "not a JSON object");
  const header = base64url(JSON.stringify({ alg: PLATFORM_ALG, kid: key.kid, typ: "JWT" }));
  const signingInput = `${header}.${base64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(signingInput, "ascii"), key.privateKey);
  return `${signingInput}.${signature.toString("base64url")}`;
}

// ---------------------------------------------------------------------------------------------------------
// Rotation

/** A stored key's lifecycle dates. A key signs from `activatesAt` until `retiredAt` (or its successor). */
export interface KeyLifecycle {
  kid: string;
  createdAt: Date;
  /** When it starts signing. A key created for a rotation activates one JWKS cache period after creation. */
  activatesAt: Date;
  /** When it stopped signing; unset while it signs (the plan then derives it from its successor). */
  retiredAt?: Date | null;
  /** Set by "rotate now": the key is presumed leaked and is never published again. */
  revokedAt?: Date | null;
}

export interface RotationPolicy {
  /** How long a key signs before the next one takes over (a site setting). */
  rotationPeriodSeconds: number;
  /**
   * How long a verifier may cache our JWKS. The next key is published this long before it signs, so a
   * verifier that never refetches on an unknown `kid` has it too (many PHP/Python libraries cache 24 h).
   */
  jwksCachePeriodSeconds: number;
  /** The longest lifetime of anything we sign (id_token, deep linking request) plus verifiers' clock leeway. */
  maxTokenLifetimeSeconds: number;
}

export interface RotationPlan {
  /** The key that signs now; undefined only when `create.activatesAt` is now (no key can sign yet). */
  signingKid: string | undefined;
  /** The keys the JWKS publishes now, signing key first, in activation order after it. */
  publishedKids: string[];
  /** Create a key now that signs from `activatesAt`. */
  create?: { activatesAt: Date };
  /** Store these retirement dates (a successor took over); the plan derives them anyway. */
  retire: Array<{ kid: string; retiredAt: Date }>;
  /** Rows that may be deleted: nothing they signed can still be verified, and no cache needs them. */
  deletable: string[];
  /** Run the plan again by then at the latest (the next change it foresees). */
  nextReviewAt: Date;
}

function checkPolicy(p: RotationPolicy): void {
  for (const [name, v] of Object.entries(p)) {
    if (!Number.isFinite(v) || v <= 0)
      throw new ParameterError("invalid_parameter", name, "must be positive");
  }
}

const at = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);
const t = (d: Date | null | undefined) => (d == null ? undefined : d.getTime());

interface Derived {
  key: KeyLifecycle;
  retiredAt: number | undefined;
}

/** Each key with the date it stopped signing: stored, revoked, or its next key's activation (if past). */
function derive(keys: readonly KeyLifecycle[], now: number): Derived[] {
  const sorted = [...keys].sort(
    (a, b) => a.activatesAt.getTime() - b.activatesAt.getTime() || a.kid.localeCompare(b.kid),
  );
  return sorted.map((key, i) => {
    const stored = t(key.retiredAt) ?? t(key.revokedAt);
    if (stored !== undefined) return { key, retiredAt: stored };
    const next = sorted.slice(i + 1).find((k) => k.activatesAt.getTime() <= now);
    return { key, retiredAt: next === undefined ? undefined : next.activatesAt.getTime() };
  });
}

/**
 * Decides which key signs and which are published at `now`, and what to do next:
 * - a key signs from `activatesAt` until its successor activates (or it is retired or revoked);
 * - the next key is created `jwksCachePeriodSeconds` before it must sign, and published from creation:
 *   every verifier's cached JWKS holds it before the first token it signs;
 * - a retired key stays published until everything it signed has expired (`maxTokenLifetimeSeconds` after
 *   its retirement); its row may be deleted one cache period later;
 * - a revoked key is never published;
 * - with no key able to sign (first start, or every key revoked) a key is created that signs at once:
 *   no verifier can hold a token from it, and verifiers refetch the JWKS on an unknown `kid` (case 116).
 */
export function planRotation(keys: readonly KeyLifecycle[], now: Date, policy: RotationPolicy): RotationPlan {
  checkPolicy(policy);
  const n = now.getTime();
  const ms = (s: number) => s * 1000;
  const derived = derive(keys, n);
  const live = derived.filter((d) => t(d.key.revokedAt) === undefined);
  const signer = [...live]
    .reverse()
    .find((d) => d.key.activatesAt.getTime() <= n && (d.retiredAt === undefined || d.retiredAt > n));
  const pending = live.filter((d) => d.key.activatesAt.getTime() > n);
  const retiredPublished = live.filter((d) => d !== signer && d.retiredAt !== undefined && d.retiredAt <= n);
  const publishedUntil = (d: Derived) => (d.retiredAt ?? n) + ms(policy.maxTokenLifetimeSeconds);
  const stillVerifiable = retiredPublished.filter((d) => publishedUntil(d) > n);

  const plan: RotationPlan = {
    signingKid: signer?.key.kid,
    publishedKids: [
      ...(signer ? [signer.key.kid] : []),
      ...pending.map((d) => d.key.kid),
      ...stillVerifiable.map((d) => d.key.kid).reverse(),
    ],
    retire: derived
      .filter((d) => d.retiredAt !== undefined && d.retiredAt <= n && t(d.key.retiredAt) === undefined)
      .filter((d) => t(d.key.revokedAt) === undefined)
      .map((d) => ({ kid: d.key.kid, retiredAt: new Date(d.retiredAt!) })),
    deletable: derived
      .filter((d) => d !== signer && d.retiredAt !== undefined && d.retiredAt <= n)
      .filter((d) => publishedUntil(d) + ms(policy.jwksCachePeriodSeconds) <= n)
      .map((d) => d.key.kid),
    nextReviewAt: now,
  };

  const reviews: number[] = [];
  if (signer === undefined) {
    if (pending.length === 0) plan.create = { activatesAt: now };
    // A published pending key exists: it takes over early rather than an unpublished new key.
    else plan.signingKid = pending[0]!.key.kid;
  } else if (pending.length === 0) {
    const rotatesAt = signer.key.activatesAt.getTime() + ms(policy.rotationPeriodSeconds);
    const createAt = rotatesAt - ms(policy.jwksCachePeriodSeconds);
    if (createAt <= n) {
      plan.create = { activatesAt: new Date(Math.max(rotatesAt, n + ms(policy.jwksCachePeriodSeconds))) };
    } else reviews.push(createAt);
  }
  if (plan.signingKid !== undefined && signer === undefined) {
    plan.publishedKids = [plan.signingKid, ...plan.publishedKids.filter((k) => k !== plan.signingKid)];
  }
  for (const d of pending) reviews.push(d.key.activatesAt.getTime());
  for (const d of derived) {
    if (d.retiredAt === undefined) continue;
    const until = publishedUntil(d);
    const revoked = t(d.key.revokedAt) !== undefined;
    for (const when of revoked
      ? [until + ms(policy.jwksCachePeriodSeconds)]
      : [until, until + ms(policy.jwksCachePeriodSeconds)]) {
      if (when > n) reviews.push(when);
    }
  }
  if (plan.create) reviews.push(n);
  if (reviews.length > 0) plan.nextReviewAt = new Date(Math.min(...reviews));
  return plan;
}

/** What "Rotate now" changes: the keys to revoke and the key to create. */
export interface RotateNowPlan {
  revoke: Array<{ kid: string; revokedAt: Date }>;
  create: { activatesAt: Date };
}

/**
 * "Rotate now", for a leaked key: the signing key (or the `kids` given; pass every published kid when all
 * private keys may have leaked together) is revoked — it stops signing and leaves the JWKS at once — and a
 * new key signs at once.
 *
 * The trade-off: an attacker holding the leaked key can mint launches that verify for as long as any
 * verifier has it, so it cannot stay published for the usual overlap. The price is paid by honest
 * tokens and caches: id_tokens signed by the old key in the last minutes fail at verifiers that refetch,
 * and a verifier with a cached JWKS meets the new `kid` before it was published. Verifiers that fetch the
 * JWKS on every launch (ltijs, Moodle) accept the next launch; those that refetch on an unknown `kid` (the
 * spec's rule, case 116) with a cooldown refuse launches until it is over (jose: 30 s after its last
 * fetch); those that cache for hours without refetching fail until their cache expires. A scheduled
 * rotation never has this cost; this one is for compromise only.
 */
export function planRotateNow(
  keys: readonly KeyLifecycle[],
  now: Date,
  policy: RotationPolicy,
  kids?: readonly string[],
): RotateNowPlan {
  const current = planRotation(keys, now, policy);
  const targets = kids ?? (current.signingKid === undefined ? [] : [current.signingKid]);
  const known = new Set(keys.filter((k) => t(k.revokedAt) === undefined).map((k) => k.kid));
  return {
    revoke: targets.filter((kid) => known.has(kid)).map((kid) => ({ kid, revokedAt: now })),
    create: { activatesAt: now },
  };
}

/** The rotation timing rule written as one check: a key about to sign has been published for a cache period. */
export function publishedLongEnough(key: KeyLifecycle, policy: RotationPolicy): boolean {
  return at(key.createdAt, policy.jwksCachePeriodSeconds).getTime() <= key.activatesAt.getTime();
}
