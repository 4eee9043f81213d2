// Service access tokens for Pluto as an LTI 1.3 tool: the client_credentials grant with a client assertion
// signed by Pluto's site key (the key its JWKS URL publishes), for the AGS transport and the NRPS source
// (conformance cases 129, 130, 139; peers note §3 item 13). The protocol is src/lti/services-client/
// service-token.ts; this file caches tokens and wires the outbound fetch.
//
// Tokens are cached in this process's memory, per (token URL, client_id, scope set), until shortly before
// they expire. Not in the database: a token is a cache any node can refetch with its own assertion, the
// platform issues as many as asked, and no node needs another's token to do its work; a second node costs
// one token request. Concurrent requests for the same key share one fetch. A service that answers 401 gets
// the token dropped and one fresh token (`authorized`), so a token the platform revoked or forgot (a
// restart) costs one retry, never a loop.
import {
  buildTokenRequestForm,
  parseTokenResponse,
  type ServiceToken,
  scopeKey,
  signClientAssertion,
} from "../../lti/services-client/service-token.js";
import type { PlatformSigningKey } from "../../lti/v1p3/keys.js";
import type { Clock } from "../../shared/clock.js";
import type { Fetch, OutboundResponse } from "../../shared/outbound.js";
import { outbound, TransportError } from "./transport-error.js";

/** The platform Pluto is registered with as a tool: where its tokens come from and who Pluto is there. */
export interface ServicePlatform {
  /** The platform's issuer (for logs; tokens are keyed by the token URL and client_id). */
  issuer: string;
  /** The client_id the platform gave Pluto. */
  clientId: string;
  tokenUrl: string;
  /** The platform's declared `authorization_server`: the assertion's audience when set, else the token URL. */
  authorizationServer?: string;
}

export const TOKEN_TIMEOUT_MS = 10_000;
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** Cached tokens: a promise per key, so concurrent callers share one request. */
export type ServiceTokenCache = Map<string, Promise<ServiceToken>>;

/** The process's token cache, shared by every run of the sync tasks. */
export const processTokenCache: ServiceTokenCache = new Map();

export interface ServiceTokenDeps {
  fetch: Fetch;
  clock: Clock;
  /** Pluto's current site key (platform-keys.service `signingKey`). */
  signer: () => Promise<PlatformSigningKey>;
  /** Default: the process's cache. */
  cache?: ServiceTokenCache;
}

export interface ServiceTokens {
  /** A token for the scopes, from the cache while it lasts; throws TransportError when the platform refuses. */
  token(platform: ServicePlatform, scopes: readonly string[], signal?: AbortSignal): Promise<ServiceToken>;
  /**
   * Runs a service request with a Bearer token. When the service answers 401 the token is dropped and the
   * request runs once more with a fresh token; that answer is returned whatever it is.
   */
  authorized(
    platform: ServicePlatform,
    scopes: readonly string[],
    request: (authorization: string) => Promise<OutboundResponse>,
    signal?: AbortSignal,
  ): Promise<OutboundResponse>;
}

const keyOf = (p: ServicePlatform, scopes: readonly string[]) =>
  JSON.stringify([p.tokenUrl, p.clientId, scopeKey(scopes)]);

/** A short, single-line excerpt of a peer's answer for errors and logs (never of a token response that succeeded). */
export function answerExcerpt(res: { status: number; body: Buffer }, max = 200): string {
  const text = res.body.toString("utf8").replace(/\s+/g, " ").trim();
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut ? `HTTP ${res.status}: ${cut}` : `HTTP ${res.status}`;
}

/** `p`, or the signal's reason as soon as it aborts. */
function until<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(e);
      },
    );
  });
}

export function serviceTokens(deps: ServiceTokenDeps): ServiceTokens {
  const cache = deps.cache ?? processTokenCache;

  // Shared by every caller waiting for this key, so no caller's signal cuts it (each stops waiting on its own).
  async function request(platform: ServicePlatform, scopes: readonly string[]) {
    const key = await deps.signer();
    const assertion = await signClientAssertion(
      { clientId: platform.clientId, audience: platform.authorizationServer || platform.tokenUrl },
      key,
      deps.clock,
    );
    const res = await outbound(() =>
      deps.fetch(platform.tokenUrl, {
        method: "POST",
        body: buildTokenRequestForm(assertion, scopes),
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        timeoutMs: TOKEN_TIMEOUT_MS,
        maxBytes: MAX_TOKEN_RESPONSE_BYTES,
        acceptAnyStatus: true,
      }),
    );
    const parsed = parseTokenResponse(res.status, res.body.toString("utf8"), scopes, deps.clock);
    if (!parsed.ok) {
      // A scope the platform will not grant, or a grant it does not support, stays refused; anything else
      // (a key the platform has not fetched yet, a platform in trouble) may pass.
      const lasting = parsed.error === "invalid_scope" || parsed.error === "unsupported_grant_type";
      throw new TransportError(
        parsed.error === "invalid_response" ? "bad_response" : "refused",
        `the platform's token endpoint refused: ${parsed.error}${parsed.description ? ` (${parsed.description.slice(0, 200)})` : ""}, HTTP ${res.status}`,
        !lasting,
        { status: res.status },
      );
    }
    return parsed.token;
  }

  async function token(
    platform: ServicePlatform,
    scopes: readonly string[],
    signal?: AbortSignal,
  ): Promise<ServiceToken> {
    const key = keyOf(platform, scopes);
    const cached = cache.get(key);
    if (cached) {
      const t = await until(cached, signal).catch((err: unknown) => {
        if (signal?.aborted) throw err;
        return undefined;
      });
      if (t && t.expiresAt.getTime() > deps.clock.now().getTime()) return t;
      if (cache.get(key) !== cached) return token(platform, scopes, signal);
      cache.delete(key);
    }
    signal?.throwIfAborted();
    const pending = request(platform, scopes);
    cache.set(key, pending);
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    return until(pending, signal);
  }

  return {
    token,
    async authorized(platform, scopes, send, signal) {
      const first = await token(platform, scopes, signal);
      const res = await send(`Bearer ${first.accessToken}`);
      if (res.status !== 401) return res;
      const key = keyOf(platform, scopes);
      const current = cache.get(key);
      // Dropped unless another caller already replaced it with a newer token.
      if (current && (await current.catch(() => undefined))?.accessToken === first.accessToken)
        cache.delete(key);
      const fresh = await token(platform, scopes, signal);
      return send(`Bearer ${fresh.accessToken}`);
    },
  };
}
