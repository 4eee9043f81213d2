// A whole Pluto (context + HTTP app) on a fresh database, driven with fastify.inject,
// plus a small cookie-keeping client that logs in and fills forms like a browser.
import assert from "node:assert/strict";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { AppContext } from "../../src/app/context.js";
import { type Config, parseConfig } from "../../src/config/config.js";
import type { Engine } from "../../src/db/dialect.js";
import { routeRegistrars } from "../../src/features/index.js";
import {
  createApiToken,
  createUser,
  findUserByUsername,
  type User,
} from "../../src/features/users/users.service.js";
import { buildApp } from "../../src/http/app.js";
import { createContext, createLogger } from "../../src/main/bootstrap.js";
import { FakeClock } from "../../src/shared/clock.js";
import { createTestDatabase } from "./db.js";

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  clock: FakeClock;
  engine: Engine;
  close(): Promise<void>;
  /** Creates a user straight through the service (password "password123"). */
  user(username: string, extra?: Record<string, unknown>): Promise<User>;
  admin(): Promise<User>;
  /** A client logged in as `username` through the real login form. */
  client(username?: string, password?: string): Promise<Client>;
  token(userId: number): Promise<string>;
  /**
   * Another Pluto node on the same database: its own context, connections and task runner, the
   * same clock. On SQLite the test app needs a database file (`sqliteFile`).
   */
  anotherNode(): Promise<{ ctx: AppContext; close(): Promise<void> }>;
}

export interface TestAppOptions {
  config?: Partial<Config>;
  clock?: FakeClock;
  sqliteFile?: string;
  listen?: { host: string; port: number };
  /** Collects the app's log lines (parsed JSON, at level info and above) instead of dropping them. */
  logLines?: Array<Record<string, unknown>>;
}

export async function startTestApp(engine: Engine, opts: TestAppOptions = {}): Promise<TestApp> {
  const tdb = await createTestDatabase(engine, { sqliteFile: opts.sqliteFile });
  const config: Config = {
    ...parseConfig({
      DATABASE_URL: tdb.url,
      LOG_LEVEL: opts.logLines ? "info" : (process.env.TEST_LOG_LEVEL ?? "silent"),
    }),
    ...opts.config,
  };
  const lines = opts.logLines;
  const log = lines
    ? createLogger(
        { ...config, logFormat: "json" },
        { tty: false, out: { write: (s: string) => void lines.push(JSON.parse(s)) } },
      )
    : createLogger(config);
  const clock = opts.clock ?? new FakeClock(new Date());
  const { ctx, close } = await createContext(config, {
    clock,
    pgSchema: tdb.pgSchema,
    log,
    poolSize: 5,
  });
  const app = await buildApp(ctx, routeRegistrars);
  if (opts.listen) await app.listen(opts.listen);
  else await app.ready();
  const t: TestApp = {
    app,
    ctx,
    clock,
    engine,
    async close() {
      await app.close();
      await close();
      await tdb.drop();
    },
    user: (username, extra = {}) =>
      createUser(ctx.db, ctx.clock, {
        username,
        password: "password123",
        firstname: username[0]?.toUpperCase() + username.slice(1),
        lastname: "Tester",
        email: `${username}@example.org`,
        ...extra,
      }),
    admin: async () => {
      const existing = await findUserByUsername(ctx.db, "admin");
      if (existing) return existing;
      return createUser(
        ctx.db,
        ctx.clock,
        { username: "admin", password: "password123", firstname: "Site", lastname: "Admin" },
        { siteAdmin: true },
      );
    },
    async client(username, password = "password123") {
      const c = new Client(app);
      if (username) await c.login(username, password);
      return c;
    },
    token: async (userId) => (await createApiToken(ctx.db, ctx.clock, userId, "test")).token,
    async anotherNode() {
      if (tdb.url === "sqlite::memory:") throw new Error("anotherNode() on SQLite needs a sqliteFile");
      return createContext(config, {
        clock,
        pgSchema: tdb.pgSchema,
        log: createLogger(config),
        poolSize: 5,
      });
    },
  };
  return t;
}

/** Remembers cookies and the last CSRF token, like a browser tab. */
export class Client {
  cookies = new Map<string, string>();
  csrf = "";
  constructor(private readonly app: FastifyInstance) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: LightMyRequestResponse) {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      if (c.value === "" || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m?.[1]) this.csrf = m[1];
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: "GET",
      url,
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.remember(res);
    return res;
  }

  /** Posts a form with the current CSRF token (unless `_csrf` is given). */
  async post(url: string, form: Record<string, string | string[]> = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    if (!("_csrf" in form)) body.append("_csrf", this.csrf);
    for (const [k, v] of Object.entries(form))
      for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    const res = await this.app.inject({
      method: "POST",
      url,
      headers: { cookie: this.cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
      payload: body.toString(),
    });
    this.remember(res);
    return res;
  }

  async login(username: string, password: string): Promise<void> {
    await this.get("/login");
    const res = await this.post("/login", { username, password });
    if (res.statusCode !== 303) throw new Error(`login as ${username} failed: ${res.statusCode}`);
    // Follow the redirect like a browser, which also picks up the session's CSRF token.
    await this.get(String(res.headers.location));
  }
}

/**
 * Follows a launch's redirect with the session cookie the launch set, as the browser does: the session
 * and the answer of the page the launch redirected to (the continue step, itself a 303).
 */
export async function continueLaunch(
  app: FastifyInstance,
  launch: LightMyRequestResponse,
): Promise<{ session: string; cont: LightMyRequestResponse }> {
  const session = launch.cookies.find((c) => c.name === "pluto_session");
  assert.ok(session, "the launch set a session cookie");
  const cont = await app.inject({
    url: String(launch.headers.location),
    cookies: { pluto_session: session.value },
  });
  assert.equal(cont.statusCode, 303, cont.body);
  return { session: session.value, cont };
}

/** Calls the JSON API with a bearer token. */
export async function api(
  app: FastifyInstance,
  token: string | undefined,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; body: string }> {
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, body: res.body };
}
