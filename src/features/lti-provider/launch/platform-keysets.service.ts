// A platform's public keys as Pluto-the-tool verifies its id_tokens with: a KeysetPort over the
// platform's public keyset URL, fetched through the outbound SSRF guard and cached
// (src/lti/v1p3/jwks-cache.ts: kept 10 min, refetched once on an unknown kid at most every 30 s,
// concurrent fetches share one request). The cache is process memory, one per URL and context.
import type { AppContext } from "../../../app/context.js";
import type { KeysetPort } from "../../../lti/ports.js";
import { cachedKeyset } from "../../../lti/v1p3/jwks-cache.js";
import { UpstreamError } from "../../../shared/errors.js";
import { type Fetch, guardedFetch } from "../../../shared/outbound.js";

/** The largest key set fetched: a few keys are a few kilobytes. */
export const MAX_PLATFORM_JWKS_BYTES = 256 * 1024;

type Ctx = Pick<AppContext, "config" | "clock">;

const caches = new WeakMap<Ctx["clock"], Map<string, KeysetPort>>();

async function fetchJwksDocument(fetch: Fetch, url: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: { accept: "application/json, application/jwk-set+json" },
    maxBytes: MAX_PLATFORM_JWKS_BYTES,
  });
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch (cause) {
    throw new UpstreamError("The platform's public keyset URL did not answer JSON.", false, { cause });
  }
}

/** The keys a platform signs with, from its public keyset URL (a loopback one needs PLUTO_OUTBOUND_ALLOW). */
export function platformKeyset(ctx: Ctx, jwksUrl: string): KeysetPort {
  let byUrl = caches.get(ctx.clock);
  if (!byUrl) {
    byUrl = new Map();
    caches.set(ctx.clock, byUrl);
  }
  let keyset = byUrl.get(jwksUrl);
  if (!keyset) {
    const f = guardedFetch(ctx.config.outboundAllow);
    keyset = cachedKeyset(() => fetchJwksDocument(f, jwksUrl), ctx.clock);
    byUrl.set(jwksUrl, keyset);
  }
  return keyset;
}
