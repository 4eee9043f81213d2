// CSRF protection for every state-changing form: a synchronizer token kept in the server-side
// session, or for anonymous forms (login) a double-submit cookie.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../app/context.js";
import { AppError } from "../shared/errors.js";
import { randomToken, safeEqual } from "../shared/secrets.js";
import { sessionCookieOptions } from "./session.js";

export const ANON_CSRF_COOKIE = "pluto_csrf";

export function csrfTokenFor(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): string {
  if (request.session) return request.session.csrfToken;
  let token = request.cookies[ANON_CSRF_COOKIE];
  if (!token || token.length < 20) {
    token = randomToken(24);
    reply.setCookie(ANON_CSRF_COOKIE, token, sessionCookieOptions(ctx, { embedded: request.embedded }));
    request.cookies[ANON_CSRF_COOKIE] = token;
  }
  return token;
}

export function checkCsrf(request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | undefined;
  const sent = typeof body?._csrf === "string" ? body._csrf : request.headers["x-csrf-token"];
  const expected = request.session?.csrfToken ?? request.cookies[ANON_CSRF_COOKIE];
  if (typeof sent !== "string" || !expected || !safeEqual(sent, expected)) {
    throw new AppError(
      "csrf",
      "This form has expired or was not sent from Pluto. Go back, reload the page and try again.",
    );
  }
}
