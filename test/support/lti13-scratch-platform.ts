// A scratch LTI 1.3 platform for tests of Pluto as a tool: its own code, with `jose` for the JWTs, not
// Pluto's platform side. A token endpoint verifies Pluto's client assertion against the JWKS it is given
// (Pluto's own, served by Pluto's app), issues Bearer tokens and can revoke them; AGS line items (container
// pages by `Link: rel="next"`, create, scores that must carry strictly later timestamps) and NRPS membership
// pages answer with them, scope by scope. It signs id_tokens with its own RS256 key, whose JWKS it serves at
// /jwks, for launches into Pluto. Every request is recorded.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { api, type TestApp } from "./app.js";

export const SCOPE = {
  lineItem: "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
  lineItemReadOnly: "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
  score: "https://purl.imsglobal.org/spec/lti-ags/scope/score",
  nrps: "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
} as const;

export interface ScratchRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  accept: string;
  authorization: string;
  body: string;
}

export interface ScratchLineItem {
  id: string;
  label: string;
  scoreMaximum: number;
  resourceLinkId?: string;
  resourceId?: string;
}

export interface ScratchMember {
  user_id: string;
  roles: string[];
  status?: string;
  [k: string]: unknown;
}

export interface ScratchPlatform {
  url: string;
  tokenUrl: string;
  /** Its public keys (id_tokens): `${url}/jwks`. */
  jwksUrl: string;
  /** An id_token (or any JWT) signed RS256 with its key, kid `scratch-platform-1`. */
  signIdToken(claims: Record<string, unknown>): Promise<string>;
  clientId: string;
  /** The assertion's expected audience (the token URL unless set). */
  audience: string;
  requests: ScratchRequest[];
  /** The verified assertions' payloads and headers. */
  assertions: Array<{ payload: Record<string, unknown>; kid: string | undefined }>;
  lineItems: ScratchLineItem[];
  /** Scores received, per line item id. */
  scores: Array<{ lineItem: string; body: Record<string, unknown>; contentType: string }>;
  members: ScratchMember[];
  /** Members per page (NRPS) and line items per page (AGS). */
  pageSize: number;
  /** Answer a request with `rlid` with this status (Schoology refuses rlid with 400). */
  refuseRlid?: number;
  /** The NRPS content type (the older Canvas one when set). */
  nrpsContentType: string;
  /** The next score requests are answered with these instead. */
  scoreAnswers: Array<{ status: number; body: string }>;
  /** Every Bearer token is refused with 401 while set. */
  refuseAllTokens: boolean;
  /** Invalidates every token issued so far (a platform restart). */
  revokeTokens(): void;
  tokenRequests(): number;
  close(): Promise<void>;
}

export async function startScratchPlatform(opts: {
  clientId: string;
  jwks: () => Promise<JSONWebKeySet>;
  now: () => Date;
  /** Scopes the tool is registered for. */
  grantable?: readonly string[];
  authorizationServer?: string;
}): Promise<ScratchPlatform> {
  const grantable = new Set(opts.grantable ?? Object.values(SCOPE));
  const tokens = new Map<string, Set<string>>();
  const jtis = new Set<string>();
  const lastTimestamp = new Map<string, number>();
  let issued = 0;
  let server: Server | undefined;
  const key = await generateKeyPair("RS256");
  const publicJwk = {
    ...(await exportJWK(key.publicKey)),
    kid: "scratch-platform-1",
    alg: "RS256",
    use: "sig",
  };

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    type = "application/json",
    link?: string,
  ) => {
    res.writeHead(status, { "content-type": type, ...(link ? { link } : {}) });
    res.end(JSON.stringify(body));
  };

  const p: ScratchPlatform = {
    url: "",
    tokenUrl: "",
    jwksUrl: "",
    signIdToken: (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "scratch-platform-1", typ: "JWT" })
        .sign(key.privateKey),
    clientId: opts.clientId,
    audience: "",
    requests: [],
    assertions: [],
    lineItems: [],
    scores: [],
    members: [],
    pageSize: 2,
    nrpsContentType: "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
    scoreAnswers: [],
    refuseAllTokens: false,
    revokeTokens: () => tokens.clear(),
    tokenRequests: () => p.requests.filter((r) => r.path === "/token").length,
    close: () => new Promise<void>((r) => (server ? server.close(() => r()) : r())),
  };

  async function token(req: ScratchRequest, res: ServerResponse) {
    if (req.method !== "POST" || req.contentType !== "application/x-www-form-urlencoded") {
      return json(res, 400, { error: "invalid_request" });
    }
    const form = new URLSearchParams(req.body);
    if (form.get("grant_type") !== "client_credentials")
      return json(res, 400, { error: "unsupported_grant_type" });
    if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
      return json(res, 400, { error: "invalid_request", error_description: "client_assertion_type" });
    }
    const assertion = form.get("client_assertion") ?? "";
    try {
      const keys = createLocalJWKSet(await opts.jwks());
      const { payload } = await jwtVerify(assertion, keys, {
        issuer: opts.clientId,
        subject: opts.clientId,
        audience: p.audience,
        algorithms: ["RS256"],
        currentDate: opts.now(),
        requiredClaims: ["iat", "exp", "jti"],
      });
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 300) throw new Error("lifetime over 5 minutes");
      if (jtis.has(String(payload.jti))) throw new Error("jti reused");
      jtis.add(String(payload.jti));
      p.assertions.push({
        payload: payload as Record<string, unknown>,
        kid: decodeProtectedHeader(assertion).kid,
      });
    } catch (err) {
      return json(res, 401, { error: "invalid_client", error_description: String((err as Error).message) });
    }
    const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
    const granted = asked.filter((s) => grantable.has(s));
    if (granted.length === 0) return json(res, 400, { error: "invalid_scope" });
    const accessToken = `scratch-token-${++issued}`;
    tokens.set(accessToken, new Set(granted));
    json(res, 200, {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: 3600,
      scope: granted.join(" "),
    });
  }

  /** The scopes of the request's Bearer token, or undefined after answering 401. */
  function bearer(req: ScratchRequest, res: ServerResponse): Set<string> | undefined {
    const t = /^Bearer (.+)$/.exec(req.authorization)?.[1];
    const scopes = t ? tokens.get(t) : undefined;
    if (!scopes || p.refuseAllTokens) {
      res.writeHead(401, {
        "www-authenticate": 'Bearer error="invalid_token"',
        "content-type": "application/json",
      });
      res.end('{"error":"invalid_token"}');
      return undefined;
    }
    return scopes;
  }

  function paged<T>(all: T[], req: ScratchRequest, path: string): { page: T[]; link?: string } {
    const offset = Number(req.query.offset ?? "0");
    const page = all.slice(offset, offset + p.pageSize);
    if (offset + p.pageSize >= all.length) return { page };
    const q = new URLSearchParams({ ...req.query, offset: String(offset + p.pageSize) });
    return { page, link: `<${p.url}${path}?${q}>; rel="next"` };
  }

  function lineItems(req: ScratchRequest, res: ServerResponse) {
    const scopes = bearer(req, res);
    if (!scopes) return;
    if (req.method === "GET") {
      if (!scopes.has(SCOPE.lineItem) && !scopes.has(SCOPE.lineItemReadOnly))
        return json(res, 403, { error: "scope" });
      const matching = p.lineItems.filter(
        (i) =>
          (req.query.resource_link_id === undefined || i.resourceLinkId === req.query.resource_link_id) &&
          (req.query.resource_id === undefined || i.resourceId === req.query.resource_id),
      );
      const { page, link } = paged(matching, req, "/lineitems");
      return json(res, 200, page, "application/vnd.ims.lis.v2.lineitemcontainer+json", link);
    }
    if (!scopes.has(SCOPE.lineItem)) return json(res, 403, { error: "scope" });
    const body = JSON.parse(req.body) as Omit<ScratchLineItem, "id">;
    const item: ScratchLineItem = {
      ...body,
      id: `${p.url}/lineitems/${p.lineItems.length + 1}/lineitem?type_id=1`,
    };
    p.lineItems.push(item);
    json(res, 201, item, "application/vnd.ims.lis.v2.lineitem+json");
  }

  function score(req: ScratchRequest, res: ServerResponse, n: string) {
    const scopes = bearer(req, res);
    if (!scopes) return;
    if (!scopes.has(SCOPE.score)) return json(res, 403, { error: "scope" });
    const lineItem = `${p.url}/lineitems/${n}/lineitem?type_id=1`;
    if (!p.lineItems.some((i) => i.id === lineItem)) return json(res, 404, { error: "no such line item" });
    const planned = p.scoreAnswers.shift();
    if (planned) {
      res.writeHead(planned.status, { "content-type": "application/json" });
      return res.end(planned.body);
    }
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const key = `${lineItem} ${String(body.userId)}`;
    const at = Date.parse(String(body.timestamp));
    const last = lastTimestamp.get(key);
    if (last !== undefined && at <= last)
      return json(res, 400, { error: "timestamp is not after the stored one" });
    lastTimestamp.set(key, at);
    p.scores.push({ lineItem, body, contentType: req.contentType });
    res.writeHead(204);
    res.end();
  }

  function memberships(req: ScratchRequest, res: ServerResponse) {
    const scopes = bearer(req, res);
    if (!scopes) return;
    if (!scopes.has(SCOPE.nrps)) return json(res, 403, { error: "scope" });
    if (req.query.rlid !== undefined && p.refuseRlid)
      return json(res, p.refuseRlid, { error: "rlid not supported" });
    const { page, link } = paged(p.members, req, "/memberships");
    json(
      res,
      200,
      { id: `${p.url}/memberships`, context: { id: "ctx-1", title: "Scratch course" }, members: page },
      p.nrpsContentType,
      link,
    );
  }

  server = createServer((raw: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    raw.on("data", (c: Buffer) => chunks.push(c));
    raw.on("end", () => {
      const u = new URL(raw.url ?? "/", p.url);
      const req: ScratchRequest = {
        method: raw.method ?? "GET",
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        contentType: String(raw.headers["content-type"] ?? "").split(";")[0] ?? "",
        accept: String(raw.headers.accept ?? ""),
        authorization: String(raw.headers.authorization ?? ""),
        body: Buffer.concat(chunks).toString("utf8"),
      };
      p.requests.push(req);
      const scoreMatch = /^\/lineitems\/(\d+)\/lineitem\/scores$/.exec(u.pathname);
      const handle = (): unknown =>
        u.pathname === "/token"
          ? token(req, res)
          : u.pathname === "/lineitems"
            ? lineItems(req, res)
            : scoreMatch
              ? score(req, res, scoreMatch[1] ?? "")
              : u.pathname === "/memberships"
                ? memberships(req, res)
                : u.pathname === "/jwks"
                  ? json(res, 200, { keys: [publicJwk] })
                  : json(res, 404, { error: "not found" });
      Promise.resolve(handle()).catch((err: unknown) => json(res, 500, { error: String(err) }));
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  p.url = `http://127.0.0.1:${port}`;
  p.tokenUrl = `${p.url}/token`;
  p.jwksUrl = `${p.url}/jwks`;
  p.audience = opts.authorizationServer ?? p.tokenUrl;
  return p;
}

/** A scratch platform's signing side: an RS256 key pair with its JWKS at `${url}/jwks`, and a signer. */
export interface ScratchIssuer {
  url: string;
  sign(claims: Record<string, unknown>, opts?: { kid?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startScratchIssuer(): Promise<ScratchIssuer> {
  const key = await generateKeyPair("RS256");
  const jwk: JWK = { ...(await exportJWK(key.publicKey)), kid: "scratch-1", alg: "RS256", use: "sig" };
  const server = createServer((req, res) => {
    if (req.url === "/jwks") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: opts.kid ?? "scratch-1", typ: "JWT" })
        .sign(key.privateKey),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Registers a platform whose endpoints sit under `origin` (/auth, /jwks, and /token when it issues service
 * tokens) as an Active LTI Advantage platform of Pluto, through the API as an admin would.
 */
export async function registerPlatform(
  t: TestApp,
  adminToken: string,
  p: { origin: string; clientId: string; deploymentId: string; name?: string; tokens?: boolean },
): Promise<void> {
  const reg = await api(t.app, adminToken, "POST", "/api/v1/lti/platforms", {
    name: p.name ?? "District LMS",
    issuer: p.origin,
    clientId: p.clientId,
    authenticationRequestUrl: `${p.origin}/auth`,
    ...(p.tokens === false ? {} : { accessTokenUrl: `${p.origin}/token` }),
    publicKeysetUrl: `${p.origin}/jwks`,
    deploymentIds: [p.deploymentId],
  });
  assert.equal(reg.status, 201, reg.body);
}
