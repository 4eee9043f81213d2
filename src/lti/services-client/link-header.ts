// The `Link` header of paged LTI services (RFC 8288 §3): AGS line item and result containers and NRPS
// membership containers name their next page with `rel="next"`; no such link means the last page
// (AGS 2.0 §3.2.4, NRPS 2.0 §2.4.2; conformance cases 176, 187).

/** One link of a `Link` header: its target as written and its relation types (lower case). */
export interface LinkValue {
  target: string;
  rels: string[];
}

/**
 * The links of a `Link` header, in order. Commas inside `<…>` and quoted strings do not split; a part
 * that is not `<target>; params` is skipped (a header is input like any other).
 */
export function parseLinkHeader(header: string | undefined): LinkValue[] {
  if (!header) return [];
  const out: LinkValue[] = [];
  for (const part of splitOutside(header, ",")) {
    const m = /^\s*<([^>]*)>(.*)$/s.exec(part);
    if (!m) continue;
    const rels: string[] = [];
    for (const param of splitOutside(m[2] ?? "", ";")) {
      const p = /^\s*([A-Za-z0-9!#$&+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,]*))\s*$/s.exec(param);
      if (!p) continue;
      if (p[1]?.toLowerCase() !== "rel") continue;
      const value = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
      rels.push(...value.toLowerCase().split(/\s+/).filter(Boolean));
      break; // RFC 8288 §3.3: only the first rel parameter counts
    }
    out.push({ target: m[1] ?? "", rels });
  }
  return out;
}

/** The absolute URL of the `rel="next"` link, resolved against the page's own URL; undefined on the last page. */
export function nextPageUrl(header: string | undefined, pageUrl: string): string | undefined {
  const next = parseLinkHeader(header).find((l) => l.rels.includes("next"));
  if (!next || next.target.trim() === "") return undefined;
  try {
    const url = new URL(next.target.trim(), pageUrl);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Splits on `sep` outside `<…>` and double quotes. */
function splitOutside(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"' && depth === 0) quoted = true;
    else if (c === "<") depth++;
    else if (c === ">" && depth > 0) depth--;
    else if (c === sep && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}
