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
import { isIP, type LookupFunction } from "node:net";
import { UpstreamError } from "./errors.js";

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
  /** Name resolution, injectable for tests; default node:dns lookup (all addresses). */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface OutboundResponse {
  status: number;
  /** The URL finally answered, after redirects. */
  url: string;
  contentType: string;
  body: Buffer;
}

export const OUTBOUND_DEFAULTS = { timeoutMs: 5000, maxBytes: 1024 * 1024, maxRedirects: 3 } as const;

// --- addresses -------------------------------------------------------------------------------------------

type Bytes = number[];

function parseIpv4(s: string): Bytes | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: Bytes = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

function parseIpv6(raw: string): Bytes | undefined {
  let s = raw.replace(/^\[|\]$/g, "");
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  let tail: Bytes = [];
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const out: Bytes = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    out.push(n >> 8, n & 0xff);
  }
  if (tail.length) out.splice(12, 4, ...tail);
  return out.length === 16 ? out : undefined;
}

/** An address as bytes (4 or 16), or undefined when `s` is not an IP address. */
export function parseIp(s: string): Bytes | undefined {
  const bare = s.replace(/^\[|\]$/g, "");
  if (isIP(bare.split("%")[0] ?? "") === 4) return parseIpv4(bare);
  if (isIP(bare.split("%")[0] ?? "") === 6) return parseIpv6(bare);
  return undefined;
}

interface Cidr {
  bytes: Bytes;
  prefix: number;
}

function parseCidr(s: string): Cidr | undefined {
  const [addr, len] = s.split("/");
  const bytes = parseIp(addr ?? "");
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  const prefix = len === undefined ? max : /^\d{1,3}$/.test(len) ? Number(len) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { bytes, prefix };
}

function inCidr(ip: Bytes, c: Cidr): boolean {
  if (ip.length !== c.bytes.length) return false;
  for (let bit = 0; bit < c.prefix; bit += 8) {
    const n = Math.min(8, c.prefix - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if (((ip[bit / 8] ?? 0) & mask) !== ((c.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

const cidrs = (list: string[]) => list.map((s) => parseCidr(s) as Cidr);

/** Ranges no outbound request may reach unless allow-listed (RFC 6890 special-purpose registries). */
const BLOCKED = cidrs([
  "0.0.0.0/8", // "this network", unspecified
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16", // link-local (cloud metadata endpoints live here)
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, broadcast
  "::/96", // unspecified, loopback and the deprecated IPv4-compatible block
  "100::/64", // discard-only
  "2001:db8::/32", // documentation
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "fec0::/10", // deprecated site-local
  "ff00::/8", // multicast
]);

/** IPv6 ranges that carry an IPv4 address: the embedded address is judged as IPv4. */
const EMBEDDED_V4: Array<{ range: Cidr; at: number }> = [
  { range: parseCidr("::ffff:0:0/96") as Cidr, at: 12 }, // IPv4-mapped
  { range: parseCidr("64:ff9b::/96") as Cidr, at: 12 }, // NAT64
  { range: parseCidr("2002::/16") as Cidr, at: 2 }, // 6to4
];

export interface AllowList {
  hosts: Set<string>;
  ranges: Cidr[];
}

export function parseAllowList(entries: readonly string[]): AllowList {
  const out: AllowList = { hosts: new Set(), ranges: [] };
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (!e) continue;
    const c = parseCidr(e);
    if (c) out.ranges.push(c);
    else out.hosts.add(e.replace(/\.$/, ""));
  }
  return out;
}

/** The address itself and, for IPv4-mapped/NAT64/6to4 addresses, the IPv4 address inside. */
function forms(ip: Bytes): Bytes[] {
  const out = [ip];
  for (const e of EMBEDDED_V4) if (inCidr(ip, e.range)) out.push(ip.slice(e.at, e.at + 4));
  return out;
}

/** Whether an outbound request may connect to `address` (a literal IP; anything else is refused). */
export function isAddressAllowed(address: string, allow: AllowList): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  const all = forms(ip);
  if (all.some((f) => allow.ranges.some((r) => inCidr(f, r)))) return true;
  return !all.some((f) => BLOCKED.some((r) => inCidr(f, r)));
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

type OnceOptions = Required<Omit<OutboundOptions, "headers" | "body">> &
  Pick<OutboundOptions, "headers" | "body">;

function once(url: URL, o: OnceOptions, allow: AllowList, deadline: number) {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (parseIp(host) && !isAddressAllowed(host, allow) && !allow.hosts.has(host.toLowerCase())) {
    return Promise.reject(blocked(host));
  }
  return new Promise<{ status: number; location?: string; contentType: string; body: Buffer }>(
    (resolve, reject) => {
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
          res.on("end", () => resolve({ status, contentType, body: Buffer.concat(chunks) }));
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
    },
  ).catch((err: unknown) => {
    if (err instanceof OutboundError) throw err;
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
    method: options.method ?? "GET",
    acceptAnyStatus: options.acceptAnyStatus ?? false,
  };
  const allow = parseAllowList(options.allow);
  const deadline = Date.now() + o.timeoutMs;
  let url = checkedUrl(raw);
  for (let hop = 0; ; hop++) {
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
    return { status: res.status, url: url.toString(), contentType: res.contentType, body: res.body };
  }
}
