// A minimal browser over fetch for tests that drive real Pluto processes: keeps cookies, reads the
// form's CSRF token, never follows redirects.
export class CookieBrowser {
  private cookies = new Map<string, string>();
  csrf = "";

  async request(
    url: string,
    init: {
      method?: string;
      /** A form to post with this browser's CSRF token. */
      form?: Record<string, string>;
      /** A form to post exactly as given (a signed LTI launch). */
      exactForm?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    };
    let body: string | undefined;
    const form = init.exactForm ?? (init.form && { _csrf: this.csrf, ...init.form });
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(url, {
      method: init.method ?? (form ? "POST" : "GET"),
      headers,
      body,
      redirect: "manual",
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...value] = (pair ?? "").split("=");
      if (!name) continue;
      const v = value.join("=");
      if (v === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), v);
    }
    return res;
  }

  async page(url: string): Promise<{ status: number; html: string; headers: Headers }> {
    const res = await this.request(url);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m?.[1]) this.csrf = m[1];
    return { status: res.status, html, headers: res.headers };
  }
}
