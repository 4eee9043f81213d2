// A tool's public keys as the platform holds them: a remote JWKS, cached and refetched once on an unknown
// `kid` at most every `refetchCooldownSeconds`, or one key an admin pasted (PEM or JWK). 1EdTech Security
// Framework §6.4 (key set URL, rotation); conformance case 116; peers note §4.7 (jose caches 10 min and
// refetches at most every 30 s; oli-torus#6435: refetch with single flight). The fetch is injected: the
// caller's goes through the outbound SSRF guard. No network here.
import { exportJWK, importSPKI } from "jose";
import { JwtError, ParameterError } from "../errors.js";
import type { Clock, KeysetPort, PublicJwk } from "../ports.js";

export const DEFAULT_JWKS_MAX_AGE_SECONDS = 600;
export const DEFAULT_JWKS_REFETCH_COOLDOWN_SECONDS = 30;

/** What a cache knows about one key set. */
export interface KeysetCacheState {
  fetchedAt?: Date;
  /** The last fetch attempt (success or failure): the cooldown counts from it. */
  attemptedAt?: Date;
}

export interface KeysetCachePolicy {
  maxAgeSeconds: number;
  refetchCooldownSeconds: number;
}

/**
 * Whether to fetch the key set now. A lookup fetches when nothing is cached or the copy is older than
 * `maxAgeSeconds`; an unknown `kid` fetches when the last attempt is older than the cooldown, so a stranger
 * sending made-up `kid`s cannot make the platform hammer a tool's server.
 */
export function shouldFetchKeyset(
  state: KeysetCacheState,
  reason: "lookup" | "unknown_kid",
  now: Date,
  policy: KeysetCachePolicy,
): boolean {
  const age = (d: Date | undefined) =>
    d === undefined ? Number.POSITIVE_INFINITY : now.getTime() - d.getTime();
  if (state.fetchedAt === undefined && age(state.attemptedAt) >= policy.refetchCooldownSeconds * 1000)
    return true;
  if (reason === "lookup")
    return (
      age(state.fetchedAt) >= policy.maxAgeSeconds * 1000 &&
      age(state.attemptedAt) >= policy.refetchCooldownSeconds * 1000
    );
  return age(state.attemptedAt) >= policy.refetchCooldownSeconds * 1000;
}

/** Reads a JWKS document (RFC 7517 §5): `{keys: [...]}` of objects with a string `kty`. Others are dropped. */
export function parseJwks(doc: unknown): PublicJwk[] {
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new ParameterError("invalid_parameter", "jwks", "not a JSON Web Key Set");
  }
  return (doc as { keys: unknown[] }).keys.filter(
    (k): k is PublicJwk =>
      typeof k === "object" && k !== null && typeof (k as { kty?: unknown }).kty === "string",
  );
}

/**
 * A KeysetPort over a remote JWKS. `fetchJwks` returns the parsed JSON document (or throws). The cache is
 * this object's own; one instance per tool, kept as long as the process (or replaced on a key change).
 * Concurrent fetches share one request. A failed refetch keeps the cached keys; a failed first fetch throws.
 */
export function cachedKeyset(
  fetchJwks: () => Promise<unknown>,
  clock: Clock,
  policy: Partial<KeysetCachePolicy> = {},
): KeysetPort & { state(): KeysetCacheState } {
  const full: KeysetCachePolicy = {
    maxAgeSeconds: policy.maxAgeSeconds ?? DEFAULT_JWKS_MAX_AGE_SECONDS,
    refetchCooldownSeconds: policy.refetchCooldownSeconds ?? DEFAULT_JWKS_REFETCH_COOLDOWN_SECONDS,
  };
  let keys: PublicJwk[] | undefined;
  const state: KeysetCacheState = {};
  let inflight: Promise<readonly PublicJwk[]> | undefined;

  const fetchNow = (): Promise<readonly PublicJwk[]> => {
    inflight ??= (async () => {
      state.attemptedAt = clock.now();
      try {
        keys = parseJwks(await fetchJwks());
        state.fetchedAt = clock.now();
        return keys;
      } catch (e) {
        if (keys !== undefined) return keys;
        throw e;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };
  const get = async (reason: "lookup" | "unknown_kid") => {
    if (inflight) return inflight;
    if (shouldFetchKeyset(state, reason, clock.now(), full)) return fetchNow();
    if (keys === undefined)
      throw new JwtError("jwt_keyset_unavailable", "The tool's key set could not be fetched");
    return keys;
  };
  return { current: () => get("lookup"), refetch: () => get("unknown_kid"), state: () => ({ ...state }) };
}

/**
 * A KeysetPort over the one public key an admin pasted: a JWK (JSON object or a JWKS) or an SPKI PEM
 * ("-----BEGIN PUBLIC KEY-----"). Without a `kid` the key takes `kid` as given (the tool's JWT header
 * must still carry it, case 115).
 */
export async function staticKeyset(pasted: string, kid?: string): Promise<KeysetPort> {
  const text = pasted.trim();
  let keys: PublicJwk[];
  if (text.startsWith("-----BEGIN PUBLIC KEY-----")) {
    let jwk: PublicJwk;
    try {
      jwk = (await exportJWK(await importSPKI(text, "RS256", { extractable: true }))) as PublicJwk;
    } catch {
      throw new ParameterError("invalid_parameter", "publicKey", "not an RSA public key in PEM form");
    }
    keys = [{ ...jwk, ...(kid === undefined ? {} : { kid }) }];
  } else {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new ParameterError("invalid_parameter", "publicKey", "neither a PEM public key nor JSON");
    }
    keys =
      typeof doc === "object" && doc !== null && "keys" in doc ? parseJwks(doc) : parseJwks({ keys: [doc] });
    if (kid !== undefined) keys = keys.map((k) => ({ ...k, kid: k.kid ?? kid }));
  }
  if (
    keys.length === 0 ||
    keys.some((k) => k.kty !== "RSA" || typeof k.n !== "string" || typeof k.e !== "string" || "d" in k)
  ) {
    throw new ParameterError("invalid_parameter", "publicKey", "expected RSA public keys only");
  }
  const frozen = Object.freeze(keys);
  return { current: async () => frozen, refetch: async () => frozen };
}
