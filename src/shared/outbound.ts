// Outbound HTTP for URLs that strangers give us (cartridge URLs today; JWKS, registration and service URLs
// later), behind an SSRF guard: only http(s); the host is resolved here and every address is checked against
// the private, loopback, link-local, unique-local, multicast and unspecified ranges (IPv4 and IPv6, IPv4-mapped
// included) unless the admin allow-listed it (PLUTO_OUTBOUND_ALLOW: host names, addresses or CIDRs). The
// socket connects to the address that was checked (a custom `lookup`), so DNS cannot change between the check
// and the connection. Redirects are followed by hand, a few at most, each one checked again. There is an
// overall deadline and a cap on the response size.
import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { UpstreamError } from "./errors.js";
import { type AllowList, isAddressAllowed, parseAllowList, parseIp } from "./outbound-address.js";

export { type AllowList, isAddressAllowed, parseAllowList, parseIp } from "./outbound-address.js";

export type OutboundFailure =
  | "bad_url"
  | "blocked_address"
  | "unreachable"
  | "timeout"
  | "too_large"
  | "bad_status"
  | "too_many_redirects";

/** A refused or failed outbound request; `reason` is stable, the message is for the person who typed the URL. */
export class OutboundError extends UpstreamError {
  override name = "OutboundError";
  constructor(
    readonly reason: OutboundFailure,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, reason === "unreachable" || reason === "timeout", options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

export interface OutboundOptions {
  /** Host names, addresses or CIDR ranges that may be reached although private (ctx.config.outboundAllow). */
  allow: readonly string[];
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  headers?: Record<string, string>;
  /** Default GET. A POST is never redirected: a 3xx answer is returned as it is. */
  method?: "GET" | "POST";
  body?: string;
  /** Resolve with any final status instead of throwing bad_status for a non-2xx one. */
  acceptAnyStatus?: boolean;
  /** Aborts the request (a task cut off when the process stops); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Name resolution, injectable for tests; default node:dns lookup (all addresses). */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface OutboundResponse {
  status: number;
  /** The URL finally answered, after redirects. */
  url: string;
  contentType: string;
  /** The `Link` header (RFC 8288), when the server sent one: paged LTI services name the next page in it. */
  link?: string;
  body: Buffer;
}

export const OUTBOUND_DEFAULTS = { timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 3 } as const;

/**
 * An outbound fetch whose allow list is already fixed: what services and LTI transports are handed (by the
 * task or route that wires them) instead of importing outboundFetch, so a test or a cache can stand in.
 */
export type Fetch = (url: string, options?: Omit<OutboundOptions, "allow">) => Promise<OutboundResponse>;

/** outboundFetch bound to an allow list (ctx.config.outboundAllow). */
export function guardedFetch(allow: readonly string[]): Fetch {
  return (url, options) => outboundFetch(url, { ...options, allow });
}

// --- requests ---------------------------------------------------------------------------------------------

const defaultResolve = (host: string) =>
  new Promise<Array<{ address: string; family: number }>>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError("bad_url", "The address is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OutboundError("bad_url", "Only http and https addresses can be fetched.");
  }
  if (url.username || url.password) {
    throw new OutboundError("bad_url", "Addresses with a user name or password are not fetched.");
  }
  return url;
}

const blocked = (host: string) =>
  new OutboundError(
    "blocked_address",
    `The address ${host} is private or reserved; fetching it is blocked (an administrator can allow it with PLUTO_OUTBOUND_ALLOW).`,
  );

/** A `lookup` for http.request that only ever hands the socket addresses that passed the guard. */
function guardedLookup(
  host: string,
  allow: AllowList,
  resolve: NonNullable<OutboundOptions["resolve"]>,
): LookupFunction {
  const hostAllowed = allow.hosts.has(host.toLowerCase().replace(/\.$/, ""));
  return (_hostname, options, callback) => {
    resolve(host).then(
      (addresses) => {
        const ok = addresses.filter((a) => hostAllowed || isAddressAllowed(a.address, allow));
        const first = ok[0];
        if (!first) {
          callback(addresses.length ? blocked(host) : new Error(`no address for ${host}`), "", 4);
          return;
        }
        if ((options as { all?: boolean }).all) {
          (callback as unknown as (e: null, a: typeof ok) => void)(null, ok);
        } else callback(null, first.address, first.family);
      },
      (err: Error) => callback(err, "", 4),
    );
  };
}

type Once = { status: number; location?: string; contentType: string; link?: string; body: Buffer };

type OnceOptions = Required<Omit<OutboundOptions, "headers" | "body" | "signal">> &
  Pick<OutboundOptions, "headers" | "body" | "signal">;

function once(url: URL, o: OnceOptions, allow: AllowList, deadline: number) {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (parseIp(host) && !isAddressAllowed(host, allow) && !allow.hosts.has(host.toLowerCase())) {
    return Promise.reject(blocked(host));
  }
  return new Promise<Once>((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(
      url,
      {
        method: o.method,
        headers: {
          "accept-encoding": "identity",
          "user-agent": "Pluto-LMS",
          ...(o.body !== undefined ? { "content-length": String(Buffer.byteLength(o.body)) } : {}),
          ...o.headers,
        },
        lookup: parseIp(host) ? undefined : guardedLookup(host, allow, o.resolve),
        timeout: Math.max(1, deadline - Date.now()),
        signal: o.signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers["content-type"] ?? "");
        if (status >= 300 && status < 400 && res.headers.location && o.method === "GET") {
          res.resume();
          resolve({ status, location: res.headers.location, contentType, body: Buffer.alloc(0) });
          return;
        }
        const declared = Number(res.headers["content-length"] ?? "0");
        const tooLarge = () =>
          new OutboundError("too_large", `The response is larger than ${o.maxBytes} bytes.`);
        // Rejected first, then the connection dropped without an error (an error passed to destroy() once
        // the response has begun would surface as an uncaught exception).
        const fail = (err: Error) => {
          reject(err);
          res.destroy();
          req.destroy();
        };
        if (declared > o.maxBytes) {
          fail(tooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBytes) fail(tooLarge());
          else chunks.push(chunk);
        });
        const link = [res.headers.link].flat().join(", ") || undefined;
        res.on("end", () => resolve({ status, contentType, link, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    const timedOut = () => {
      reject(new OutboundError("timeout", "The server did not answer in time."));
      req.destroy();
    };
    const timer = setTimeout(timedOut, Math.max(1, deadline - Date.now()));
    req.on("timeout", timedOut);
    req.on("error", (err) => reject(err));
    req.on("close", () => clearTimeout(timer));
    req.end(o.body);
  }).catch((err: unknown) => {
    if (err instanceof OutboundError) throw err;
    if (o.signal?.aborted) throw o.signal.reason;
    const code = (err as { code?: string }).code;
    throw new OutboundError("unreachable", `The server could not be reached${code ? ` (${code})` : ""}.`, {
      cause: err,
    });
  });
}

/**
 * GETs (or POSTs) `raw` through the guard. Resolves with a 2xx response; throws OutboundError (bad_url, blocked_address,
 * unreachable, timeout, too_large, bad_status, too_many_redirects) otherwise.
 */
export async function outboundFetch(raw: string, options: OutboundOptions): Promise<OutboundResponse> {
  const o = {
    timeoutMs: options.timeoutMs ?? OUTBOUND_DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? OUTBOUND_DEFAULTS.maxBytes,
    maxRedirects: options.maxRedirects ?? OUTBOUND_DEFAULTS.maxRedirects,
    resolve: options.resolve ?? defaultResolve,
    allow: options.allow,
    headers: options.headers,
    body: options.body,
    signal: options.signal,
    method: options.method ?? "GET",
    acceptAnyStatus: options.acceptAnyStatus ?? false,
  };
  const allow = parseAllowList(options.allow);
  const deadline = Date.now() + o.timeoutMs;
  let url = checkedUrl(raw);
  for (let hop = 0; ; hop++) {
    o.signal?.throwIfAborted();
    const res = await once(url, o, allow, deadline);
    if (res.location !== undefined) {
      if (hop >= o.maxRedirects) {
        throw new OutboundError("too_many_redirects", `More than ${o.maxRedirects} redirects.`);
      }
      url = checkedUrl(new URL(res.location, url).toString());
      continue;
    }
    if (!o.acceptAnyStatus && (res.status < 200 || res.status > 299)) {
      throw new OutboundError("bad_status", `The server answered with HTTP status ${res.status}.`, {
        status: res.status,
      });
    }
    const { status, contentType, link, body } = res;
    return { status, url: url.toString(), contentType, ...(link ? { link } : {}), body };
  }
}
