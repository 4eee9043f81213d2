// ltijs 5.9.9 (npm alias ltijs5), an LTI 1.3 tool library Pluto's authors did not write, as a tool in a real
// HTTP server on 127.0.0.2, for the tests of Pluto as a platform. Its storage is ltijs-sequelize on a
// PostgreSQL database of its own, created here and dropped at close: ltijs keeps states, nonces and access
// tokens there, and a database shared between runs would hand one run another's (peers.md §2.2).
//
// ltijs exports one Provider object; `new Provider.constructor()` makes another, so each suite has its own
// (own keys, own routes, own database). Its express app is mounted on a server bound here, since ltijs's
// own deploy() listens on every interface. onConnect records the launch it validated (the token ltijs
// built from the id_token: user, roles, context, resource link, custom, …) and answers 200 "connected";
// onDeepLinking records the request and answers ltijs's own auto-submitting Deep Linking response form
// with the content items the test queued. startLtijsTool runs either ltijs this repository installs (5.9.9 as
// ltijs5, 6.0.0-alpha.5 as ltijs6, test/support/ltijs6-tool.ts): the parts of the Provider used here are
// the same in both.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import pg from "pg";

const require = createRequire(import.meta.url);

/** The parts of ltijs's Provider these tests use (the package ships no types). */
interface LtijsProvider {
  constructor: new () => LtijsProvider;
  app: (req: unknown, res: unknown) => void;
  setup(key: string, database: { plugin: unknown }, options: Record<string, unknown>): LtijsProvider;
  deploy(options: { serverless: true; silent: true }): Promise<true>;
  close(options: { silent: true }): Promise<true>;
  onConnect(cb: (token: LtijsToken, req: unknown, res: ExpressResponse) => unknown): void;
  onDeepLinking(cb: (token: LtijsToken, req: unknown, res: ExpressResponse) => unknown): void;
  registerPlatform(platform: LtijsPlatform): Promise<unknown>;
  getPlatform(url: string, clientId: string): Promise<{ platformActive(): Promise<boolean> } | false>;
  NamesAndRoles: {
    getMembers(token: LtijsToken, options?: LtijsMembersOptions): Promise<LtijsMembers>;
  };
  Grade: LtijsGrade;
  DeepLinking: {
    createDeepLinkingForm(
      token: LtijsToken,
      items: unknown[],
      options?: { message?: string },
    ): Promise<string>;
  };
}

/** ltijs's Assignment and Grade Services client (Provider.Grade), as these tests call it. */
export interface LtijsGrade {
  getLineItems(
    token: LtijsToken,
    options?: { resourceLinkId?: boolean; tag?: string; resourceId?: string; limit?: number; url?: string },
  ): Promise<{ lineItems: Array<Record<string, unknown>>; next?: string }>;
  createLineItem(
    token: LtijsToken,
    lineItem: Record<string, unknown>,
    options?: { resourceLinkId?: boolean },
  ): Promise<Record<string, unknown>>;
  submitScore(token: LtijsToken, lineItemId: string, score: Record<string, unknown>): Promise<unknown>;
  getScores(
    token: LtijsToken,
    lineItemId: string,
    options?: { userId?: string; limit?: number; url?: string },
  ): Promise<{ scores: Array<Record<string, unknown>>; next?: string }>;
}

interface ExpressResponse {
  status(code: number): ExpressResponse;
  send(body: string): void;
}

export interface LtijsPlatform {
  url: string;
  name: string;
  clientId: string;
  authenticationEndpoint: string;
  accesstokenEndpoint: string;
  authConfig: { method: "JWK_SET"; key: string };
}

/** ltijs's NamesAndRoles.getMembers options: `pages: false` follows every next link. */
export interface LtijsMembersOptions {
  role?: string;
  limit?: number;
  pages?: number | false;
  url?: string;
  resourceLinkId?: boolean;
}

/** What getMembers returns: the first page's container with every page's members, and the links it kept. */
export interface LtijsMembers {
  id: string;
  context: { id: string; label?: string; title?: string };
  members: Array<Record<string, unknown> & { user_id: string; roles: string[]; status?: string }>;
  next?: string;
  differences?: string;
}

/** What ltijs hands onConnect/onDeepLinking: the validated id_token as ltijs stores it. */
export interface LtijsToken {
  iss: string;
  user: string;
  clientId: string;
  deploymentId: string;
  userInfo: { given_name?: string; family_name?: string; name?: string; email?: string };
  platformInfo?: Record<string, unknown>;
  platformContext: {
    messageType: string;
    roles: string[];
    context?: { id: string; label?: string; title?: string; type?: string[] };
    resource?: { id: string; title?: string };
    endpoint?: { scope: string[]; lineitems?: string; lineitem?: string };
    targetLinkUri: string;
    custom?: Record<string, string>;
    launchPresentation?: Record<string, unknown>;
    deepLinkingSettings?: Record<string, unknown>;
    namesRoles?: { context_memberships_url: string; service_versions: string[] };
  };
}

export interface Ltijs5Tool {
  /** http://127.0.0.2:<port>: ltijs's appRoute "/" is `${origin}/`. */
  origin: string;
  loginUrl: string;
  launchUrl: string;
  keysetUrl: string;
  registerUrl: string;
  /** The launches that reached onConnect, oldest first. */
  connects: LtijsToken[];
  /** The Deep Linking requests that reached onDeepLinking, oldest first. */
  deepLinkings: LtijsToken[];
  /** ltijs's AGS client: its calls take a token onConnect recorded. */
  grade: LtijsGrade;
  /** The content items (and message) onDeepLinking answers the next requests with. */
  respondWith: { items: unknown[]; message?: string };
  registerPlatform(platform: LtijsPlatform): Promise<void>;
  isActive(issuer: string, clientId: string): Promise<boolean>;
  /** ltijs's NRPS client for a launch it validated: a token from the platform, then the pages. */
  getMembers(token: LtijsToken, options?: LtijsMembersOptions): Promise<LtijsMembers>;
  close(): Promise<void>;
}

/** The PostgreSQL server ltijs's database is created on: the test server's, another database name. */
function adminUrl(): URL {
  const url = new URL(process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
  url.pathname = "/postgres";
  return url;
}

async function onAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl().toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs `f` with console.log/info silenced: ltijs-sequelize's migrations log to the console. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const { log, info } = console;
  console.log = () => {};
  console.info = () => {};
  try {
    return await f();
  } finally {
    console.log = log;
    console.info = info;
  }
}

const VERSIONS = { ltijs5: "ltijs 5.9.9", ltijs6: "ltijs 6.0.0-alpha.5" } as const;

export async function startLtijs5Tool(opts: { host?: string } = {}): Promise<Ltijs5Tool> {
  return startLtijsTool("ltijs5", { ...opts, connected: () => "connected" });
}

/**
 * ltijs (the npm alias given: "ltijs5" or "ltijs6") as a tool on `host`; onConnect answers 200 with
 * `connected(token)` as its body.
 */
export async function startLtijsTool(
  pkg: "ltijs5" | "ltijs6",
  opts: { host?: string; connected: (token: LtijsToken) => string },
): Promise<Ltijs5Tool> {
  const host = opts.host ?? "127.0.0.2";
  // ltijs_<run>_<random> inside an `npm test` run, whose leftovers a later run drops (scripts/test.mjs).
  const run = process.env.TEST_RUN_ID;
  const random = randomBytes(6).toString("hex");
  const dbName = run && /^[0-9a-f]{8}$/.test(run) ? `ltijs_${run}_${random}` : `ltijs_${random}`;
  await onAdmin(`CREATE DATABASE ${dbName}`);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;

  const singleton = (require(pkg) as { Provider: LtijsProvider }).Provider;
  const lti = new singleton.constructor();
  const SequelizeDb = require("ltijs-sequelize") as new (
    db: string,
    user: string,
    pass: string,
    o: Record<string, unknown>,
  ) => unknown;
  const pgUrl = adminUrl();
  const plugin = new SequelizeDb(dbName, decodeURIComponent(pgUrl.username) || "postgres", pgUrl.password, {
    host: pgUrl.hostname,
    port: Number(pgUrl.port || 5432),
    dialect: "postgres",
    logging: false,
  });
  lti.setup(
    randomBytes(24).toString("hex"),
    { plugin },
    {
      appRoute: "/",
      loginRoute: "/login",
      keysetRoute: "/keys",
      dynRegRoute: "/register",
      // The id_token arrives by a cross-site form post from Pluto's page: the state cookie must be
      // SameSite=None, hence Secure (browsers take Secure cookies over http on loopback). ltijs 6 adds
      // Partitioned to its cookies itself.
      cookies: { secure: true, sameSite: "None" },
      devMode: false,
      // Active on ltijs's side at once: the Pending state under test is Pluto's.
      dynReg: { url: origin, name: `${pkg} tool`, description: VERSIONS[pkg], autoActivate: true },
    },
  );
  const connects: LtijsToken[] = [];
  const deepLinkings: LtijsToken[] = [];
  const tool: Ltijs5Tool = {
    origin,
    loginUrl: `${origin}/login`,
    launchUrl: `${origin}/`,
    keysetUrl: `${origin}/keys`,
    registerUrl: `${origin}/register`,
    connects,
    deepLinkings,
    respondWith: { items: [] },
    grade: lti.Grade,
    async registerPlatform(platform) {
      await lti.registerPlatform(platform);
    },
    async isActive(issuer, clientId) {
      const p = await lti.getPlatform(issuer, clientId);
      return p ? p.platformActive() : false;
    },
    getMembers: (token, options) => lti.NamesAndRoles.getMembers(token, options),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lti.close({ silent: true });
      await onAdmin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    },
  };
  lti.onConnect((token, _req, res) => {
    connects.push(JSON.parse(JSON.stringify(token)) as LtijsToken);
    res.status(200).send(opts.connected(token));
  });
  lti.onDeepLinking(async (token, _req, res) => {
    deepLinkings.push(JSON.parse(JSON.stringify(token)) as LtijsToken);
    const { items, message } = tool.respondWith;
    res
      .status(200)
      .send(await lti.DeepLinking.createDeepLinkingForm(token, items, message ? { message } : {}));
  });
  await quietly(() => lti.deploy({ serverless: true, silent: true }));
  server.on("request", lti.app);
  return tool;
}
