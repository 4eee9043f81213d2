// The URLs of AGS 2.0: a line item's scores and results endpoints (§3.3.1, §3.4.1: the segment goes into
// the path, before any query string, which is kept), and the container paging (§3.2.4, §3.3.6: more items
// ⇒ `Link: <…>; rel="next"`, a URL the tool follows as is, so it carries the request's filters). Pure.
import { AgsError } from "../errors.js";

/** `segment` ("/scores", "/results") added to the URL's path, before its query string and fragment. */
export function withPathSegment(url: string, segment: "/scores" | "/results"): string {
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  const rest = cut === -1 ? "" : url.slice(cut);
  return `${path.replace(/\/+$/, "")}${segment}${rest}`;
}

export const MAX_PAGE_SIZE = 1000;

export interface Page {
  /** Items per page (the tool's `limit`, at most MAX_PAGE_SIZE). */
  limit: number;
  /** 1-based. */
  page: number;
}

function positiveInt(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value))
    throw new AgsError("ags_invalid_query", `${field} must be a positive integer.`, field);
  return Number(value);
}

/** The page a container request asks for: `limit` (default and cap MAX_PAGE_SIZE) and `page` (default 1). */
export function pageOf(query: Record<string, string | undefined>): Page {
  const limit = Math.min(positiveInt(query.limit, "limit") ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  return { limit, page: positiveInt(query.page, "page") ?? 1 };
}

/**
 * The `Link` header of a page when more items follow: the same URL with every filter of the request kept
 * (in the given order, empty ones left out), `limit` and the next `page`.
 */
export function nextLinkHeader(
  baseUrl: string,
  filters: ReadonlyArray<readonly [string, string | undefined]>,
  page: Page,
  total: number,
): string | undefined {
  if (page.page * page.limit >= total) return undefined;
  const q = new URLSearchParams();
  for (const [k, v] of filters) if (v !== undefined && v !== "") q.set(k, v);
  q.set("limit", String(page.limit));
  q.set("page", String(page.page + 1));
  return `<${baseUrl}?${q.toString()}>; rel="next"`;
}

/** The items of one page. */
export function pageSlice<T>(items: readonly T[], page: Page): T[] {
  return items.slice((page.page - 1) * page.limit, page.page * page.limit);
}
