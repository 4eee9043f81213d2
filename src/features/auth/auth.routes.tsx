// Log in and out. Failed logins are counted per username and per address in the database.
import type { FastifyInstance } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { pageContext } from "../../http/app.js";
import { createSession, destroySession } from "../../http/session.js";
import { AppError } from "../../shared/errors.js";
import { sha256Hex, verifyPassword } from "../../shared/secrets.js";
import { renderPage } from "../../views/html.js";
import { findUserByUsername } from "../users/users.service.js";
import { LoginPage } from "./auth.views.js";
import { clearFailures, countAttempt, MAX_FAILURES, uncountAttempt } from "./login-throttle.js";

const loginSchema = z.object({
  username: z.string().trim().toLowerCase().max(100).default(""),
  password: z.string().max(200).default(""),
  next: z.string().max(2000).optional(),
});

const AFTER_LOGIN = "/my";
const OWN_ORIGIN = "http://pluto.invalid";

/**
 * Only same-site paths are followed after login. A browser drops tabs and newlines from a URL and
 * reads a backslash as a slash ("/\t/evil.example" is "//evil.example", another host), so any
 * control character or backslash is refused outright; what is left must parse, against a placeholder
 * origin, to that same origin with a path of its own (not "//…" once dot segments are resolved).
 */
export function safeNext(next: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!next?.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(next)) return AFTER_LOGIN;
  let url: URL;
  try {
    url = new URL(next, OWN_ORIGIN);
  } catch {
    return AFTER_LOGIN;
  }
  if (url.origin !== OWN_ORIGIN || !url.pathname.startsWith("/") || url.pathname.startsWith("//"))
    return AFTER_LOGIN;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * A failed login is logged by its account's id, or when no account has that name by a short hash of
 * what was typed: people type their password into the user name field by mistake.
 */
function typedNameHash(username: string): string {
  return sha256Hex(username).slice(0, 12);
}

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/", async (request, reply) => reply.redirect(request.actor ? "/my" : "/login"));

  app.get("/login", async (request, reply) => {
    const next = (request.query as { next?: string }).next;
    if (request.actor) return reply.redirect(safeNext(next));
    return reply
      .type("text/html; charset=utf-8")
      .send(renderPage(h(LoginPage, { pc: pageContext(ctx, request, reply), next })));
  });

  app.post("/login", async (request, reply) => {
    const parsed = loginSchema.safeParse(request.body ?? {});
    const input = parsed.success ? parsed.data : { username: "", password: "", next: undefined };
    const now = ctx.clock.now();
    const accountKey = `u:${input.username}`;
    const addressKey = `ip:${request.ip}`;
    // Counted before the password is checked: parallel guesses cannot all get past the limit.
    if ((await countAttempt(ctx.db, [accountKey, addressKey], now)) > MAX_FAILURES) {
      request.log.warn({ usernameHash: typedNameHash(input.username) }, "login throttled");
      throw new AppError("rate_limited", "Too many failed logins. Wait 15 minutes and try again.");
    }
    const user = input.username ? await findUserByUsername(ctx.db, input.username) : undefined;
    const ok = user && !user.suspended && (await verifyPassword(input.password, user.passwordHash));
    if (!user || !ok) {
      request.log.info(
        user ? { userId: user.id } : { usernameHash: typedNameHash(input.username) },
        "login failed",
      );
      const page = h(LoginPage, {
        pc: pageContext(ctx, request, reply),
        username: input.username,
        next: input.next,
        message: "Invalid username or password.",
      });
      return reply.status(401).type("text/html; charset=utf-8").send(renderPage(page));
    }
    await clearFailures(ctx.db, accountKey);
    await uncountAttempt(ctx.db, addressKey);
    await createSession(ctx, reply, user.id);
    request.log.info({ userId: user.id }, "login");
    return reply.redirect(safeNext(input.next), 303);
  });

  app.post("/logout", async (request, reply) => {
    await destroySession(ctx, request, reply);
    return reply.redirect("/login", 303);
  });
}
