// The SSRF guard's address rules: which IP addresses an outbound request may connect to. Private, loopback,
// link-local, unique-local, multicast, reserved and unspecified ranges (IPv4 and IPv6, with the IPv4 address
// inside IPv4-mapped, NAT64 and 6to4 addresses judged as IPv4) are refused unless allow-listed.
import { isIP } from "node:net";

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

export interface Cidr {
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
