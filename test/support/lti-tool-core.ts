// An LTI 1.3 tool nobody here wrote: @lti-tool/core 1.0.6 (jose + zod) in a real HTTP server, for the
// interop tests of Pluto as a platform. The library does the protocol: /login answers the login initiation
// with its handleLogin (its state is an HS256 JWT it signed itself, its nonce kept in the storage below),
// /launch checks the id_token with its verifyLaunch (Pluto's JWKS fetched by jose, nonce compared with the
// state's, deployment looked up) and, for a Deep Linking request, answers its own auto-posting Deep Linking
// response (createDeepLinkingResponse, signed with the tool's key), /jwks serves that key (getJWKS).
// Its packages ship extensionless ESM imports: this module loads only under `node --import tsx`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type DeepLinkingContentItem,
  type LTI13JwtPayload,
  type LTIClient,
  type LTIDeployment,
  type LTIDynamicRegistrationSession,
  type LTILaunchConfig,
  type LTISession,
  type LTIStorage,
  LTITool,
} from "@lti-tool/core";
import { generateKeyPair } from "jose";

/** The library's storage interface (LTIStorage), in memory. */
export class MemoryStorage implements LTIStorage {
  clients = new Map<string, LTIClient>();
  sessions = new Map<string, LTISession>();
  nonces = new Map<string, Date>();
  configs: LTILaunchConfig[] = [];
  registrations = new Map<string, LTIDynamicRegistrationSession>();
  listClients = async () => [...this.clients.values()];
  getClientById = async (id: string) => this.clients.get(id);
  addClient = async (c: Omit<LTIClient, "id" | "deployments">) => {
    const id = crypto.randomUUID();
    this.clients.set(id, { ...c, id, deployments: [] });
    return id;
  };
  updateClient = async (id: string, c: Partial<LTIClient>) => {
    const old = this.clients.get(id);
    if (old) this.clients.set(id, { ...old, ...c, id, deployments: old.deployments });
  };
  deleteClient = async (id: string) => void this.clients.delete(id);
  listDeployments = async (id: string) => this.clients.get(id)?.deployments ?? [];
  getDeployment = async (id: string, dep: string) =>
    this.clients.get(id)?.deployments.find((d) => d.id === dep);
  addDeployment = async (id: string, d: Omit<LTIDeployment, "id">) => {
    const dep = { ...d, id: crypto.randomUUID() };
    this.clients.get(id)?.deployments.push(dep);
    return dep.id;
  };
  updateDeployment = async (id: string, dep: string, d: Partial<LTIDeployment>) => {
    const list = this.clients.get(id)?.deployments ?? [];
    const i = list.findIndex((x) => x.id === dep);
    if (i >= 0) list[i] = { ...list[i]!, ...d };
  };
  deleteDeployment = async (id: string, dep: string) => {
    const c = this.clients.get(id);
    if (c) c.deployments = c.deployments.filter((d) => d.id !== dep);
  };
  getSession = async (id: string) => this.sessions.get(id);
  addSession = async (s: LTISession) => {
    this.sessions.set(s.id, s);
    return s.id;
  };
  storeNonce = async (nonce: string, expiresAt: Date) => void this.nonces.set(nonce, expiresAt);
  /** True once per stored, unexpired nonce (the library's replay check). */
  validateNonce = async (nonce: string) => {
    const at = this.nonces.get(nonce);
    this.nonces.delete(nonce);
    return at !== undefined && at.getTime() > Date.now();
  };
  getLaunchConfig = async (iss: string, clientId: string, deploymentId: string) =>
    this.configs.find((c) => c.iss === iss && c.clientId === clientId && c.deploymentId === deploymentId);
  saveLaunchConfig = async (c: LTILaunchConfig) => void this.configs.push(c);
  setRegistrationSession = async (id: string, s: LTIDynamicRegistrationSession) =>
    void this.registrations.set(id, s);
  getRegistrationSession = async (id: string) => this.registrations.get(id);
  deleteRegistrationSession = async (id: string) => void this.registrations.delete(id);
}

/** What /launch did with one id_token: the library's verified payload, or its error. */
export type ToolCoreLaunch =
  | { ok: true; idToken: string; state: string; payload: LTI13JwtPayload }
  | { ok: false; idToken: string; state: string; error: string };

export interface ToolCoreServer {
  origin: string;
  /** The login initiations received, parameters as sent. */
  logins: Array<Record<string, string>>;
  launches: ToolCoreLaunch[];
  /** The items its Deep Linking response returns on the next Deep Linking request. */
  contentItems: DeepLinkingContentItem[];
  /** The library's tool object now serving (a new one after restart()). */
  readonly lti: LTITool;
  /** Makes Pluto this tool's platform, as the tool's admin would with the values Pluto shows. */
  addPlatform(p: {
    issuer: string;
    clientId: string;
    deploymentId: string;
    authUrl: string;
    jwksUrl: string;
  }): Promise<void>;
  /**
   * A restart of the tool: a new LTITool (so a new jose JWKS cache), the same key, storage and state secret.
   */
  restart(): void;
  close(): Promise<void>;
}

export const TOOL_CORE_KID = "tool-core-1";

export async function startToolCoreServer(host = "127.0.0.1"): Promise<ToolCoreServer> {
  const storage = new MemoryStorage();
  const keyPair = await generateKeyPair("RS256", { extractable: true });
  const stateSecret = crypto.getRandomValues(new Uint8Array(32));
  const make = () => new LTITool({ stateSecret, keyPair, storage, security: { keyId: TOOL_CORE_KID } });
  let lti = make();
  const logins: Array<Record<string, string>> = [];
  const launches: ToolCoreLaunch[] = [];
  let origin = "";
  const s: ToolCoreServer = {
    get origin() {
      return origin;
    },
    logins,
    launches,
    contentItems: [],
    get lti() {
      return lti;
    },
    async addPlatform(p) {
      await storage.addClient({
        name: "Pluto",
        iss: p.issuer,
        clientId: p.clientId,
        authUrl: p.authUrl,
        tokenUrl: `${p.issuer}/lti/token`,
        jwksUrl: p.jwksUrl,
      });
      await storage.saveLaunchConfig({
        iss: p.issuer,
        clientId: p.clientId,
        deploymentId: p.deploymentId,
        authUrl: p.authUrl,
        tokenUrl: `${p.issuer}/lti/token`,
        jwksUrl: p.jwksUrl,
      });
    },
    restart() {
      lti = make();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };

  async function handle(
    path: string,
    p: URLSearchParams,
  ): Promise<{ status: number; type: string; body: string; location?: string }> {
    if (path === "/jwks")
      return { status: 200, type: "application/json", body: JSON.stringify(await lti.getJWKS()) };
    if (path === "/login") {
      const params = Object.fromEntries(p);
      logins.push(params);
      try {
        const location = await lti.handleLogin({
          client_id: params.client_id ?? "",
          iss: params.iss ?? "",
          launchUrl: `${origin}/launch`,
          login_hint: params.login_hint ?? "",
          target_link_uri: params.target_link_uri ?? "",
          lti_deployment_id: params.lti_deployment_id ?? "",
          lti_message_hint: params.lti_message_hint,
        });
        return { status: 302, type: "text/plain", body: "", location };
      } catch (e) {
        return { status: 400, type: "text/plain", body: (e as Error).message };
      }
    }
    if (path === "/launch") {
      const idToken = p.get("id_token") ?? "";
      const state = p.get("state") ?? "";
      let payload: LTI13JwtPayload;
      try {
        payload = await lti.verifyLaunch(idToken, state);
      } catch (e) {
        const error = (e as Error).message;
        launches.push({ ok: false, idToken, state, error });
        return { status: 401, type: "text/plain", body: error };
      }
      launches.push({ ok: true, idToken, state, payload });
      if (payload["https://purl.imsglobal.org/spec/lti/claim/message_type"] === "LtiDeepLinkingRequest") {
        const session = await lti.createSession(payload);
        const html = await lti.createDeepLinkingResponse(session, s.contentItems);
        return { status: 200, type: "text/html", body: html };
      }
      return { status: 200, type: "text/html", body: `<p>Launch OK: ${payload.sub}</p>` };
    }
    return { status: 404, type: "text/plain", body: "not found" };
  }

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      handle(url.pathname, new URLSearchParams(req.method === "POST" ? body : url.search)).then(
        (r) =>
          res
            .writeHead(r.status, { "content-type": r.type, ...(r.location ? { location: r.location } : {}) })
            .end(r.body),
        (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(String(e)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return s;
}

/** The action and fields of the library's auto-posting Deep Linking response page. */
export function readToolCoreForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in: ${html.slice(0, 300)}`);
  const unescapeHtml = (v: string) =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&#0?39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g))
    fields[unescapeHtml(m[1] ?? "")] = unescapeHtml(m[2] ?? "");
  return { action: unescapeHtml(action), fields };
}
