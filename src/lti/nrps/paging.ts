// Paging and differences of a membership container (NRPS 2.0 §2.4.2–2.4.3, cases 183 and 185): the `limit`
// query parameter, the page URLs (each carrying the request's role, rlid and limit filters), the `Link`
// header (`rel="next"` while members remain, `rel="differences"` for a since-URL), and the opaque cursors
// those URLs carry, sealed (AES-256-GCM) so a tool can neither read nor forge them.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { ParameterError } from "../errors.js";

/** `limit` when the tool gives none, and the most one page holds whatever it asks (Canvas caps at 50). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** The page size a `limit` asks for, capped at `max`; absent → `dflt`. Not a positive integer: refused. */
export function parseLimit(v: string | undefined, opts: { max?: number; dflt?: number } = {}): number {
  const max = opts.max ?? MAX_PAGE_SIZE;
  if (v === undefined) return Math.min(opts.dflt ?? DEFAULT_PAGE_SIZE, max);
  if (!/^[0-9]{1,9}$/.test(v.trim()) || Number(v) < 1)
    throw new ParameterError("invalid_parameter", "limit", "not a positive integer");
  return Math.min(Number(v), max);
}

/** The filters a page URL repeats (case 183: the next page is the same query, further on). */
export interface MembershipQuery {
  role?: string;
  rlid?: string;
  limit?: number;
}

/** A membership URL with the query's filters and, when given, a page cursor (`p`) or a since cursor. */
export function membershipPageUrl(
  base: string,
  q: MembershipQuery & { page?: string; since?: string },
): string {
  const u = new URL(base);
  for (const k of [...u.searchParams.keys()]) u.searchParams.delete(k);
  if (q.role !== undefined) u.searchParams.set("role", q.role);
  if (q.rlid !== undefined) u.searchParams.set("rlid", q.rlid);
  if (q.limit !== undefined) u.searchParams.set("limit", String(q.limit));
  if (q.since !== undefined) u.searchParams.set("since", q.since);
  if (q.page !== undefined) u.searchParams.set("p", q.page);
  return u.toString();
}

/** RFC 8288 `Link` header: `<url>; rel="next", <url>; rel="differences"`; undefined when there is neither. */
export function buildLinkHeader(links: { next?: string; differences?: string }): string | undefined {
  const parts: string[] = [];
  if (links.next !== undefined) parts.push(`<${links.next}>; rel="next"`);
  if (links.differences !== undefined) parts.push(`<${links.differences}>; rel="differences"`);
  return parts.length === 0 ? undefined : parts.join(", ");
}

/** The relations of a `Link` header by name (for tests and tools): `{next: url, differences: url}`. */
export function parseLinkHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (header ?? "").matchAll(/<([^>]*)>\s*;\s*rel="?([^",;]+)"?/g))
    if (m[1] !== undefined && m[2] !== undefined) out[m[2]] = m[1];
  return out;
}

/** The cursor key for a site secret: derived, so the secret itself never encrypts anything. */
export function cursorKey(secret: string): Buffer {
  return createHmac("sha256", secret).update("lti nrps cursor").digest();
}

const IV = 12;
const TAG = 16;

/** Seals a cursor's content (any JSON object) into an opaque URL-safe token. */
export function sealCursor(key: Uint8Array, content: Readonly<Record<string, unknown>>): string {
  const iv = randomBytes(IV);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(content), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The longest cursor read (a sealed cursor is well under 200 characters). */
export const MAX_CURSOR_LENGTH = 512;

/** A sealed cursor's content, or undefined when it is malformed, forged or sealed with another key. */
export function openCursor(key: Uint8Array, token: string): Record<string, unknown> | undefined {
  if (token.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, "base64url");
  if (raw.length <= IV + TAG) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV));
    decipher.setAuthTag(raw.subarray(IV, IV + TAG));
    const text = Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]).toString("utf8");
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
