// What the LTI protocol code needs from the outside world. The callers (features) supply these, so the
// protocol code stays pure: no wall clock, no database, no network of its own.

/** Current time. Structurally the same as src/shared/clock.ts's Clock. */
export interface Clock {
  now(): Date;
}

/**
 * The OAuth 1.0a replay store. RFC 5849 §3.3: the nonce lets "the server to verify that a request has
 * never been made before"; LTI scopes nonces per consumer key.
 *
 * `seen` must atomically record (consumerKey, nonce) until `expiresAt` and return false, or return true when
 * that pair is already recorded (a replay). Entries past `expiresAt` may be purged: by then the timestamp
 * window rejects the request anyway.
 */
export interface NonceStore {
  seen(consumerKey: string, nonce: string, expiresAt: Date): Promise<boolean>;
}

/**
 * Finds the shared secret for a consumer key, or undefined for an unknown key. Lets one endpoint serve many
 * consumers (the consumer side's outcomes service looks the key up; a published tool has one secret).
 */
export type SecretLookup = (consumerKey: string) => string | undefined | Promise<string | undefined>;

/** A source of fresh nonces (at least 64 random bits each; LTI conformance case 36). */
export type NonceSource = () => string;

/** An in-memory NonceStore for tests, benchmarks and single-process tools. */
export function memoryNonceStore(clock: Clock): NonceStore & { size(): number } {
  const entries = new Map<string, number>();
  return {
    async seen(consumerKey, nonce, expiresAt) {
      const now = clock.now().getTime();
      // Insertion order is roughly expiry order: purge from the front, stop at the first live entry.
      for (const [k, exp] of entries) {
        if (exp > now) break;
        entries.delete(k);
      }
      const key = `${consumerKey.length}:${consumerKey}:${nonce}`;
      const exp = entries.get(key);
      if (exp !== undefined && exp > now) return true;
      entries.delete(key);
      entries.set(key, expiresAt.getTime());
      return false;
    },
    size: () => entries.size,
  };
}

/** A JSON Web Key as found in a key set (RFC 7517 §4). Only the members the protocol code reads are named. */
export interface PublicJwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
  [member: string]: unknown;
}

/**
 * A tool's public keys (its JWKS, or the one key an admin pasted). LTI 1.3 verifiers select a key by `kid`
 * and "refetch once on a miss" (1EdTech Security Framework §6.4; conformance case 116).
 *
 * `current()` returns the keys as cached (fetching them the first time). `refetch()` is called once when a
 * token's `kid` is not among them: it fetches again unless the implementation's rate limit says no, and
 * returns the keys it then has (see v1p3/jwks-cache.ts). Either may throw when the key set cannot be had.
 */
export interface KeysetPort {
  current(): Promise<readonly PublicJwk[]>;
  refetch(): Promise<readonly PublicJwk[]>;
}

/** What the authentication endpoint needs to know of a registered LTI 1.3 tool (its client). */
export interface ToolClient {
  clientId: string;
  /** The registered redirection URIs; a request's `redirect_uri` must equal one byte for byte (case 91). */
  redirectUris: readonly string[];
  /** False for a tool that is pending activation or switched off (case 93). */
  enabled: boolean;
}

/** Finds a registered tool by its `client_id`, or undefined for an unknown one. */
export type ToolClientLookup = (clientId: string) => ToolClient | undefined | Promise<ToolClient | undefined>;
