// An LTI 1.3 tool's public keys as the platform side verifies its JWTs with (deep linking responses,
// client assertions): a KeysetPort over the tool's JWKS URL, fetched through the outbound SSRF guard and
// cached (src/lti/v1p3/jwks-cache.ts: kept 10 min, refetched once on an unknown kid at most every 30 s,
// concurrent fetches share one request), or over a key the admin pasted (PEM or JWK).
//
// The cache is process memory, one per JWKS URL and context: derived data, since the tool's server is the
// source of truth; every node keeps its own.
import type { AppContext } from "../../app/context.js";
import type { KeysetPort } from "../../lti/ports.js";
import { cachedKeyset, staticKeyset } from "../../lti/v1p3/jwks-cache.js";
import { UpstreamError } from "../../shared/errors.js";
import { type Fetch, guardedFetch } from "../../shared/outbound.js";

/** The largest key set fetched: a few keys are a few kilobytes. */
export const MAX_JWKS_BYTES = 256 * 1024;

export type ToolKeySource = { jwksUrl: string } | { publicKey: string; kid?: string };

type Ctx = Pick<AppContext, "config" | "clock">;

const caches = new WeakMap<Ctx["clock"], Map<string, KeysetPort>>();

/** Fetches and parses a tool's JWKS document through `fetch` (the SSRF guard). */
async function fetchJwksDocument(fetch: Fetch, url: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: { accept: "application/json, application/jwk-set+json" },
    maxBytes: MAX_JWKS_BYTES,
  });
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch (cause) {
    throw new UpstreamError("The tool's key set URL did not answer JSON.", false, { cause });
  }
}

/**
 * The keys a tool signs with. A JWKS URL is fetched through the outbound guard (ctx.config.outboundAllow)
 * on first use (a loopback or private tool needs its address there).
 */
export async function toolKeyset(ctx: Ctx, source: ToolKeySource): Promise<KeysetPort> {
  if ("publicKey" in source) return staticKeyset(source.publicKey, source.kid);
  let byUrl = caches.get(ctx.clock);
  if (!byUrl) {
    byUrl = new Map();
    caches.set(ctx.clock, byUrl);
  }
  let keyset = byUrl.get(source.jwksUrl);
  if (!keyset) {
    const f = guardedFetch(ctx.config.outboundAllow);
    keyset = cachedKeyset(() => fetchJwksDocument(f, source.jwksUrl), ctx.clock);
    byUrl.set(source.jwksUrl, keyset);
  }
  return keyset;
}
