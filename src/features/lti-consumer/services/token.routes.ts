// The service token endpoint, POST /lti/token (token.service.ts does the work): a form post with a client
// assertion, answered with an access token or an RFC 6749 §5.2 error body, never cached. In a scope of its
// own: the body is read as bytes whatever its type (so a JSON or multipart body is RFC 6749's
// invalid_request, not a parser's error), and any failure before the handler is answered in the same
// envelope. Statuses come from src/http/lti-errors.ts; the log has a stable reason, never the assertion
// or the token.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { isDatabaseUnavailable } from "../../../db/errors.js";
import { LTI_ERROR_STATUS } from "../../../http/lti-errors.js";
import { addApiOperation } from "../../../http/openapi.js";
import { TokenRequestError } from "../../../lti/errors.js";
import { CLIENT_CREDENTIALS, JWT_BEARER_ASSERTION } from "../../../lti/v1p3/client-assertion.js";
import { TOKEN_PATH } from "../tools/tool-registrations.service.js";
import { issueAccessToken } from "./token.service.js";

/** A client assertion is at most 64 KiB (MAX_JWT_LENGTH); with the other parameters, 128 KiB is ample. */
export const TOKEN_BODY_LIMIT = 128 * 1024;

addApiOperation({
  method: "post",
  path: TOKEN_PATH,
  siteRoot: true,
  summary:
    "The LTI 1.3 service token endpoint (1EdTech Security Framework §4.1), for tools, not API users: OAuth 2 client_credentials with a JWT client assertion signed (RS256, with a kid) by the tool's registered key, iss = sub = its client_id, aud = this URL, exp at most 5 minutes after iat, a jti used once. Only application/x-www-form-urlencoded. Granted scopes = the requested ones the tool may have (AGS when it may send grades, NRPS; for a dynamically registered tool, those it registered for). The token is bound to the tool, lives an hour and works on every node. Errors are RFC 6749 §5.2 bodies {error, error_description} with 400: invalid_request, invalid_client (unknown, pending or bad assertion, reused jti), unsupported_grant_type, invalid_scope. Never cached (Cache-Control: no-store).",
  tag: "LTI services",
  formBody: z.object({
    grant_type: z.literal(CLIENT_CREDENTIALS),
    client_assertion_type: z.literal(JWT_BEARER_ASSERTION),
    client_assertion: z.string().describe("The tool's signed JWT"),
    scope: z.string().describe("Space-separated AGS and NRPS scopes"),
  }),
  responses: {
    200: '{access_token, token_type: "Bearer", expires_in: seconds (3600), scope: the granted scopes}',
  },
});

function sendTokenError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply
    .status(status)
    .header("cache-control", "no-store")
    .header("pragma", "no-cache")
    .send({ error, error_description: description });
}

/** Form parameters by name; a repeated name keeps every value (the request is then refused). */
function formOf(body: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

export async function registerTokenRoutes(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: TOKEN_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler(async (error, request, reply) => {
      const e = error as { statusCode?: number; code?: string };
      if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
        const reason = e.statusCode === 413 ? "too_large" : "unreadable_body";
        request.log.info(
          { event: "lti_access_token_refused", reason, code: e.code },
          "LTI token request refused",
        );
        return sendTokenError(
          reply,
          e.statusCode === 413 ? 413 : 400,
          "invalid_request",
          e.statusCode === 413 ? "The token request is too large." : "The token request could not be read.",
        );
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn(
          { event: "lti_access_token_failed", reason: "unavailable", dbError: { code: e.code } },
          "database unavailable",
        );
        return sendTokenError(
          reply.header("retry-after", "5"),
          503,
          "temporarily_unavailable",
          "Please try again in a moment.",
        );
      }
      request.log.error(
        { err: error, event: "lti_access_token_failed", reason: "internal" },
        "LTI token endpoint error",
      );
      return sendTokenError(reply, 500, "server_error", "The token could not be issued.");
    });

    // Public: the tool authenticates with its signed assertion (no session, no CSRF token).
    scope.post(
      TOKEN_PATH,
      { config: { csrf: false }, bodyLimit: TOKEN_BODY_LIMIT },
      async (request, reply) => {
        const form = Buffer.isBuffer(request.body) ? formOf(request.body) : undefined;
        try {
          const { response } = await issueAccessToken(ctx, request.headers["content-type"], form);
          return reply
            .status(200)
            .header("cache-control", "no-store")
            .header("pragma", "no-cache")
            .send(response);
        } catch (e) {
          if (!(e instanceof TokenRequestError)) throw e;
          request.log.info(
            {
              event: "lti_access_token_refused",
              error: e.body.error,
              reason: e.reason,
              clientId: e.clientId,
            },
            "LTI token request refused",
          );
          return sendTokenError(reply, LTI_ERROR_STATUS[e.code], e.body.error, e.body.error_description);
        }
      },
    );
  });
}
