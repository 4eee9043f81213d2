// The Fastify app factory: plugins, per-request actor, CSRF, security headers, one error mapper.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { h } from "preact";
import { ZodError } from "zod";
import type { Actor, AppContext } from "../app/context.js";
import { isReachable } from "../db/database.js";
import { isDatabaseUnavailable } from "../db/errors.js";
import { BearerTokenError, isLtiError } from "../lti/errors.js";
import { AppError, ValidationError } from "../shared/errors.js";
import { resolveTimeZone } from "../shared/time-zone.js";
import { ErrorPage } from "../views/error-page.js";
import { renderPage } from "../views/html.js";
import type { PageContext } from "../views/page-context.js";
import { checkCsrf, csrfTokenFor } from "./csrf.js";
import { LTI_ERROR_STATUS } from "./lti-errors.js";
import { refuseNulInput } from "./nul-input.js";
import { loadSession, loadTokenActor, SESSION_COOKIE, type SessionInfo } from "./session.js";
import { STATUS, TITLES } from "./status.js";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
    session: SessionInfo | null;
    /** Rendered without site chrome: inside an LTI consumer's frame. */
    embedded: boolean;
    /** The page may be shown inside another site's frame (LTI launch pages). */
    framable: boolean;
    /** The request came with an API bearer token. */
    viaToken: boolean;
  }
  interface FastifyContextConfig {
    /** false: this POST route checks its own authenticity (LTI signatures, login rate-limit …). */
    csrf?: boolean;
  }
}

/**
 * One JSON line per request (DESIGN.md), when the response has gone. Fastify's default writes two
 * (incoming, completed), and each line's pass through the redaction was a measurable share of a page.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}

export type RouteRegistrar = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

const FLASH_COOKIE = "pluto_flash";

export function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith("/api/");
}

/** The zone the requesting user reads and enters dates in: their profile's, else the site's. */
export function viewerTimeZone(ctx: AppContext, request: FastifyRequest): string {
  return resolveTimeZone(request.actor?.timezone, ctx.config.timezone);
}

/** The published course of an LTI launch's session (its `lti` data), as the embedded pages link it. */
function launchedCourseHome(lti: unknown): string | undefined {
  if (lti === null || typeof lti !== "object") return undefined;
  const id = (lti as { courseId?: unknown }).courseId;
  return typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? `/course/${id}` : undefined;
}

/** What every page needs from the request: the user, a CSRF token, the flash message. */
export function pageContext(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): PageContext {
  const flash = request.cookies[FLASH_COOKIE];
  if (flash) reply.clearCookie(FLASH_COOKIE, flashCookieOptions(request));
  return {
    actor: request.actor,
    csrf: csrfTokenFor(ctx, request, reply),
    embedded: request.embedded,
    flash: flash ? decodeURIComponent(flash).slice(0, 300) : undefined,
    url: request.url,
    siteName: "Pluto LMS",
    timeZone: viewerTimeZone(ctx, request),
    siteTimeZone: ctx.config.timezone,
    returnUrl:
      typeof request.session?.data.returnUrl === "string" ? request.session.data.returnUrl : undefined,
    homeUrl: launchedCourseHome(request.session?.data.lti),
  };
}

/**
 * Inside a consumer's cross-site frame a SameSite=Lax cookie is never sent back, and with third-party
 * cookies blocked only a Partitioned one is kept: the flash then travels like the embedded session.
 */
function flashCookieOptions(request: FastifyRequest) {
  return request.embedded
    ? ({ path: "/", httpOnly: true, secure: true, sameSite: "none", partitioned: true } as const)
    : ({ path: "/", httpOnly: true, sameSite: "lax" } as const);
}

/** Redirects after a POST with a one-time message for the next page. */
export function redirectWithFlash(reply: FastifyReply, location: string, message: string) {
  reply.setCookie(FLASH_COOKIE, encodeURIComponent(message), flashCookieOptions(reply.request));
  return reply.redirect(location, 303);
}

export async function buildApp(ctx: AppContext, registrars: RouteRegistrar[]): Promise<FastifyInstance> {
  const { httpHeadersTimeoutMs: headersTimeout, httpRequestTimeoutMs: requestTimeout } = ctx.config;
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    logController: new OneLinePerRequest(),
    // Slow clients: a request whose headers, or whole body, have not arrived in time is answered 408
    // and its connection closed (the time a handler takes does not count), and an idle keep-alive
    // connection is closed after its timeout. Node checks the first two every
    // connectionsCheckingInterval (30 s unless set), so that interval follows the header timeout.
    requestTimeout,
    keepAliveTimeout: ctx.config.httpKeepAliveTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
  });
  // Connections beyond the cap are closed as soon as they are accepted, before reading anything.
  app.server.maxConnections = ctx.config.httpMaxConnections;

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(helmet, {
    // Framing is decided per response below: LTI-launched pages must load inside a consumer's frame.
    frameguard: false,
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: "cross-origin" },
    strictTransportSecurity: ctx.config.publicUrl.startsWith("https:"),
  });
  const publicDir = findPublicDir();
  await app.register(fastifyStatic, { root: publicDir, prefix: "/static/", maxAge: 3600 * 1000 });

  app.decorateRequest("actor", null);
  app.decorateRequest("session", null);
  app.decorateRequest("embedded", false);
  app.decorateRequest("viaToken", false);
  app.decorateRequest("framable", false);

  app.addHook("onRequest", async (request) => {
    if (isApi(request)) {
      // The API authenticates with bearer tokens only, never with the session cookie, so a
      // cross-site form cannot act through it.
      const auth = request.headers.authorization;
      if (auth?.startsWith("Bearer ")) {
        const actor = await loadTokenActor(ctx, auth.slice(7).trim());
        if (actor) {
          request.actor = actor;
          request.viaToken = true;
        }
      }
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const found = await loadSession(ctx, token);
      if (found) {
        request.actor = found.actor;
        request.session = found.session;
        request.embedded = found.session.data.embedded === true;
      }
    }
    // Inside a frame (an LTI consumer's page) pages drop the site chrome.
    const dest = request.headers["sec-fetch-dest"];
    if (dest === "iframe" || dest === "frame") request.embedded = true;
    if ((request.query as Record<string, unknown> | undefined)?.embed === "1") request.embedded = true;
  });

  app.addHook("preValidation", refuseNulInput);

  app.addHook("preHandler", async (request) => {
    const method = request.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS") return;
    if (request.routeOptions.config?.csrf === false) return;
    if (isApi(request)) return; // the API authenticates with bearer tokens only, never cookies
    checkCsrf(request);
  });

  // While the server closes, each response ends its connection: a keep-alive client whose request
  // was in flight would otherwise hold the shutdown up until the grace period ends.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  app.addHook("onSend", async (request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    const type = String(reply.getHeader("content-type") ?? "");
    if (type.startsWith("text/html")) {
      // Sessions opened by an LTI launch live in the consumer's frame; other pages refuse framing
      // by other sites (clickjacking).
      const framable = request.session?.data.lti !== undefined || request.framable;
      const ancestors = framable ? "*" : "'self'";
      reply.header(
        "content-security-policy",
        `default-src 'self'; img-src * data:; frame-src *; object-src 'none'; base-uri 'self'; frame-ancestors ${ancestors}`,
      );
      reply.header("cache-control", "no-store");
    }
    return payload;
  });

  app.setErrorHandler(async (error, request, reply) => {
    const { status, code, message, fields } = classify(error);
    if (code === "unavailable") {
      const e = error as { code?: unknown; message?: unknown };
      request.log.warn({ dbError: { code: e.code, message: e.message } }, "database unavailable");
    } else if (status >= 500) request.log.error({ err: error }, "unhandled error");
    else
      request.log.info(
        { code, status, reason: isLtiError(error) ? error.message : message },
        "request rejected",
      );
    // A service's Bearer token refused (RFC 6750 §3): the 401 or 403 names the error in its challenge.
    if (error instanceof BearerTokenError) reply.header("www-authenticate", error.challenge);
    if (isApi(request)) {
      return reply.status(status).send({ error: { code, message, ...(fields.length ? { fields } : {}) } });
    }
    const pc = pageContext(ctx, request, reply);
    return reply
      .status(status)
      .type("text/html; charset=utf-8")
      .send(renderPage(h(ErrorPage, { pc, title: titleFor(code), message, status })));
  });

  app.setNotFoundHandler(async (request, reply) => {
    request.log.info({ url: request.url }, "not found");
    if (isApi(request)) {
      return reply.status(404).send({ error: { code: "not_found", message: "No such endpoint" } });
    }
    const pc = pageContext(ctx, request, reply);
    return reply
      .status(404)
      .type("text/html; charset=utf-8")
      .send(
        renderPage(
          h(ErrorPage, { pc, title: "Not found", message: "There is no page at this address.", status: 404 }),
        ),
      );
  });

  app.get("/healthz", async (_request, reply) => {
    if (await isReachable(ctx.db)) return { status: "ok" };
    return reply.status(503).send({ status: "unavailable" });
  });

  for (const register of registrars) await register(app, ctx);
  return app;
}

function titleFor(code: string): string {
  return code in TITLES ? TITLES[code as keyof typeof TITLES] : "Error";
}

interface Classified {
  status: number;
  code: string;
  message: string;
  fields: { field: string; message: string }[];
}

function classify(error: unknown): Classified {
  if (error instanceof ZodError) {
    const fields = error.issues.map((i) => ({
      field: i.path.map(String).join(".") || "_",
      message: i.message,
    }));
    return { status: 400, code: "validation", message: "The request has invalid values.", fields };
  }
  if (error instanceof ValidationError) {
    return { status: 400, code: error.code, message: error.message, fields: error.fields };
  }
  if (error instanceof AppError) {
    return { status: STATUS[error.code], code: error.code, message: error.message, fields: [] };
  }
  // A protocol error no route turned into its protocol's envelope: a 4xx with fixed text (the
  // error's own message is for developers, and goes to the log).
  if (isLtiError(error)) {
    return {
      status: LTI_ERROR_STATUS[error.code],
      code: "lti",
      message: "The LTI request was rejected.",
      fields: [],
    };
  }
  // The database broke the connection, is restarting or did not answer in time: the request was
  // fine and may succeed when sent again.
  if (isDatabaseUnavailable(error)) {
    return {
      status: STATUS.unavailable,
      code: "unavailable",
      message: "The database is unavailable. Please try again in a moment.",
      fields: [],
    };
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const code =
      e.statusCode === 413
        ? "payload_too_large"
        : e.statusCode === 415
          ? "unsupported_media_type"
          : "bad_request";
    const message =
      e.statusCode === 413
        ? "The request is too large."
        : e.code === "FST_ERR_CTP_INVALID_JSON_BODY" || e.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
          ? "The request body is not valid JSON."
          : e.statusCode === 415
            ? "Unsupported content type."
            : "The request could not be understood.";
    return { status: e.statusCode, code, message, fields: [] };
  }
  return {
    status: 500,
    code: "internal",
    message: "Something went wrong on our side. It has been logged.",
    fields: [],
  };
}

function findPublicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "public");
    if (existsSync(join(candidate, "pluto.css"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error("public/ folder not found");
}
