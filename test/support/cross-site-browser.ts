// A browser tab over real HTTP for the interop tests of Pluto as a platform (the same as the one in
// test/interop/ltijs5-platform.test.ts): cookies per host with Chromium's cross-site SameSite rules,
// redirects followed with GET, and pages whose form submits itself (Pluto's data-autosubmit, ltijs's
// script) submitted, so a launch runs from Pluto's page through the tool's login to its launch route.
import assert from "node:assert/strict";
import { escapeRegExp, readForm } from "./html-form.js";

interface Cookie {
  value: string;
  sameSite: "strict" | "lax" | "none";
}

interface Hop {
  method: string;
  url: string;
  status: number;
  fields?: Record<string, string>;
}

/**
 * A browser tab over fetch: cookies per host; a request in a navigation that started on, or passed
 * through, another host is cross-site and gets only SameSite=None cookies on a POST, None and Lax ones on a
 * GET (no SameSite counts as Lax); redirects are followed with GET, and a page whose form submits itself
 * (Pluto's data-autosubmit, ltijs's script) is submitted.
 */
export class Browser {
  private jar = new Map<string, Map<string, Cookie>>();
  csrf = "";
  hops: Hop[] = [];

  private cookiesFor(url: URL, method: string, crossSite: boolean): string {
    const jar = this.jar.get(url.hostname) ?? new Map<string, Cookie>();
    return [...jar]
      .filter(([, c]) => !crossSite || c.sameSite === "none" || (c.sameSite === "lax" && method === "GET"))
      .map(([k, c]) => `${k}=${c.value}`)
      .join("; ");
  }

  private remember(url: URL, res: Response) {
    const jar = this.jar.get(url.hostname) ?? new Map<string, Cookie>();
    this.jar.set(url.hostname, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const same = attrs.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith("samesite="));
      const sameSite = (same?.slice("samesite=".length) ?? "lax") as Cookie["sameSite"];
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, { value, sameSite });
    }
  }

  /**
   * Navigates from `from` (the page the navigation starts on; none for a typed address) and follows it to
   * a page that neither redirects nor submits itself.
   */
  async go(
    url: string,
    init: { form?: Record<string, string>; from?: string } = {},
  ): Promise<{ url: string; status: number; html: string }> {
    let target = new URL(url);
    let method = init.form ? "POST" : "GET";
    let fields = init.form;
    let sites = new Set([new URL(init.from ?? url).hostname]);
    for (let step = 0; step < 12; step++) {
      sites.add(target.hostname);
      const res = await fetch(target, {
        method,
        headers: {
          cookie: this.cookiesFor(target, method, sites.size > 1),
          ...(fields ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        body: fields ? new URLSearchParams(fields).toString() : undefined,
        redirect: "manual",
      });
      this.remember(target, res);
      this.hops.push({ method, url: target.toString(), status: res.status, fields });
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        target = new URL(location, target);
        method = "GET";
        fields = undefined;
        continue;
      }
      const html = await res.text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(html);
      if (csrf?.[1]) this.csrf = csrf[1];
      const auto = autoSubmitted(html);
      if (!auto) return { url: target.toString(), status: res.status, html };
      const form = readForm(html, new RegExp(`^${escapeRegExp(auto)}$`));
      // A form a page submits is a navigation started on that page.
      sites = new Set([target.hostname]);
      target = new URL(form.action, target);
      method = "POST";
      fields = form.fields;
    }
    throw new Error(`more than 12 steps: ${JSON.stringify(this.hops.slice(-12))}`);
  }

  async login(pluto: string, username: string): Promise<void> {
    await this.go(`${pluto}/login`);
    const res = await this.go(`${pluto}/login`, {
      from: pluto,
      form: { _csrf: this.csrf, username, password: "password123" },
    });
    assert.equal(res.status, 200, res.html.slice(0, 500));
    assert.doesNotMatch(res.url, /\/login$/);
  }

  /** The fields of the last form posted to `url` (ignoring the query). */
  posted(url: string): Record<string, string> | undefined {
    return this.hops.findLast((h) => h.method === "POST" && h.url.split("?")[0] === url)?.fields;
  }
}

/** The action of the form this page submits by itself, if any. */
function autoSubmitted(html: string): string | undefined {
  const pluto =
    /<form[^>]*action="([^"]*)"[^>]*data-autosubmit/.exec(html) ??
    /<form[^>]*data-autosubmit[^>]*action="([^"]*)"/.exec(html);
  if (pluto?.[1] !== undefined) return pluto[1].replaceAll("&amp;", "&");
  const script = /getElementById\("([^"]+)"\)\.submit\(\)/.exec(html);
  if (!script) return undefined;
  const form = new RegExp(`<form[^>]*id="${escapeRegExp(script[1] ?? "")}"[^>]*action="([^"]*)"`).exec(html);
  return form?.[1]?.replaceAll("&amp;", "&");
}
