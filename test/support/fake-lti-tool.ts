// An independent LTI 1.1 tool for tests: npm `ims-lti` (not Pluto's code) behind a real node:http server on a
// loopback address. It validates launches the way a real tool does (signature over the URL it is reached at,
// nonce, timestamp), records them, sends outcomes with ims-lti's own OutcomeService, and serves cartridges
// and other documents for the cartridge and SSRF tests.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";

type Callback = (err: Error | null, result: unknown, xml?: unknown) => void;

export interface ImsOutcomeService {
  consumer_key: string;
  consumer_secret: string;
  service_url: string;
  source_did: string;
  send_replace_result(score: number, cb: Callback): void;
  send_read_result(cb: Callback): void;
  send_delete_result(cb: Callback): void;
}

export interface ImsProvider {
  valid_request(req: object, body: object, cb: Callback): void;
  userId?: string;
  student: boolean;
  instructor: boolean;
  context_id?: string;
  body: Record<string, unknown>;
  outcome_service: ImsOutcomeService | false;
}

interface ImsLti {
  Provider: new (key: string, secret: string) => ImsProvider;
  OutcomeService: new (options: Record<string, unknown>) => ImsOutcomeService;
}

export const imsLti = createRequire(import.meta.url)("ims-lti") as ImsLti;

export const call = <T>(f: (cb: Callback) => void) =>
  new Promise<T>((resolve, reject) => f((err, result) => (err ? reject(err) : resolve(result as T))));

export interface RecordedLaunch {
  valid: boolean;
  error?: string;
  params: Record<string, string>;
  provider: ImsProvider;
}

export interface FakeTool {
  origin: string;
  launchUrl: string;
  launches: RecordedLaunch[];
  /** Documents served at GET paths: body, content type and optional status. */
  docs: Map<
    string,
    { body: string | Buffer; type: string; status?: number; headers?: Record<string, string> }
  >;
  /** GET requests received, by path (to see whether a URL was fetched). */
  gets: string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Starts the tool on host:port (port 0: any free port). `secret` for consumer `key`. */
export async function startFakeTool(opts: {
  host: string;
  key: string;
  secret: string;
  port?: number;
}): Promise<FakeTool> {
  const launches: RecordedLaunch[] = [];
  const docs: FakeTool["docs"] = new Map();
  const gets: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "GET") {
      gets.push(req.url ?? "/");
      const doc = docs.get(path);
      if (!doc) {
        res.writeHead(path === "/launch" ? 405 : 404, { "content-type": "text/plain" }).end("no");
        return;
      }
      res.writeHead(doc.status ?? 200, { "content-type": doc.type, ...doc.headers }).end(doc.body);
      return;
    }
    if (req.method === "POST" && path === "/launch") {
      const text = await readBody(req);
      const params = Object.fromEntries(new URLSearchParams(text));
      const provider = new imsLti.Provider(opts.key, opts.secret);
      provider.valid_request(req, params, (err, valid) => {
        const ok = !err && valid === true;
        launches.push({ valid: ok, error: err?.message, params, provider });
        const who = escapeHtml(String(params.lis_person_name_full ?? params.user_id ?? ""));
        const html = ok
          ? `<!doctype html><title>Fake tool</title><h1>Launch OK</h1><p id="who">Hello ${who}</p><p id="role">${provider.instructor ? "Instructor" : "Learner"}</p>`
          : `<!doctype html><title>Fake tool</title><h1>Launch rejected</h1><p>${escapeHtml(err?.message ?? "")}</p>`;
        res.writeHead(ok ? 200 : 401, { "content-type": "text/html; charset=utf-8" }).end(html);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${opts.host}:${port}`;
  return {
    origin,
    launchUrl: `${origin}/launch`,
    launches,
    docs,
    gets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nobody listens on right now, for a Pluto that must know its public URL before it listens. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The action and hidden fields of Pluto's launch page, as a browser would submit them. */
export function readLaunchForm(html: string): { action: string; fields: Record<string, string> } {
  const form =
    /<form[^>]*action="([^"]*)"[^>]*data-autosubmit/.exec(html) ??
    /<form[^>]*data-autosubmit[^>]*action="([^"]*)"/.exec(html);
  if (!form?.[1]) throw new Error(`no launch form in: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\s*\/?>/g)) {
    fields[unescapeHtml(m[1] ?? "")] = unescapeHtml(m[2] ?? "");
  }
  return { action: unescapeHtml(form[1]), fields };
}

/** Posts the launch form like the browser: form-encoded, to the action URL. */
export async function postLaunch(form: { action: string; fields: Record<string, string> }) {
  const res = await fetch(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form.fields).toString(),
  });
  return { status: res.status, html: await res.text() };
}

/** A basic LTI link in the shape IMS and Moodle publish (namespaced, blti: prefixes). */
export function cartridgeXml(v: {
  title: string;
  launchUrl?: string;
  secureLaunchUrl?: string;
  description?: string;
  icon?: string;
  custom?: Record<string, string>;
  prefix?: boolean;
}): string {
  const p = v.prefix === false ? "" : "blti:";
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  const custom = v.custom
    ? `<${p}custom>${Object.entries(v.custom)
        .map(([k, val]) => `<lticm:property name="${esc(k)}">${esc(val)}</lticm:property>`)
        .join("")}</${p}custom>`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0"
  xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
  xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"
  xmlns:lticp="http://www.imsglobal.org/xsd/imslticp_v1p0"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <${p}title>${esc(v.title)}</${p}title>
  ${v.description ? `<${p}description>${esc(v.description)}</${p}description>` : ""}
  ${custom}
  ${v.launchUrl ? `<${p}launch_url>${esc(v.launchUrl)}</${p}launch_url>` : ""}
  ${v.secureLaunchUrl ? `<${p}secure_launch_url>${esc(v.secureLaunchUrl)}</${p}secure_launch_url>` : ""}
  ${v.icon ? `<${p}icon>${esc(v.icon)}</${p}icon>` : ""}
  <${p}vendor><lticp:code>fake</lticp:code><lticp:name>Fake Tools Inc.</lticp:name></${p}vendor>
</cartridge_basiclti_link>`;
}
