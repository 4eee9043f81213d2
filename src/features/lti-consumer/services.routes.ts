// The endpoints tools call: Basic Outcomes (POX XML) and memberships (signed form). They authenticate with
// OAuth signatures, not cookies (csrf: false), and answer every failure in the protocol's own envelope — even
// a body that is too large or of the wrong type — from an error handler scoped to these two routes.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { MEMBERSHIPS_STATUS, OUTCOME_STATUS, sendLtiXml as sendXml } from "../../http/lti-errors.js";
import { MEMBERSHIPS_PATH, OUTCOMES_PATH } from "./launch.service.js";
import { handleMembershipsRequest, membershipsFailure } from "./memberships.service.js";
import {
  handleOutcomeRequest,
  OUTCOME_BODY_LIMIT,
  OutcomeRefusal,
  refusalReply,
} from "./outcomes.service.js";

export async function registerLtiServiceRoutes(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    // The exact bytes, whatever the type: oauth_body_hash is computed over them, and the form's own parser
    // would lose repeated names.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: OUTCOME_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.setErrorHandler(async (error, request, reply) => {
      const e = error as { statusCode?: number; code?: string };
      const reason =
        e.statusCode === 413
          ? "too_large"
          : e.statusCode === 415
            ? "unsupported_media_type"
            : e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500
              ? "invalid_request"
              : "internal";
      if (reason === "internal") request.log.error({ err: error }, "LTI service error");
      else request.log.info({ reason, code: e.code }, "LTI service request rejected");
      if (request.url.startsWith(MEMBERSHIPS_PATH)) {
        return sendXml(
          reply,
          MEMBERSHIPS_STATUS[reason],
          membershipsFailure(reason, "The request could not be processed.").xml,
        );
      }
      const refusal = new OutcomeRefusal(
        reason,
        reason === "too_large"
          ? "The request body is too large."
          : reason === "internal"
            ? "The request could not be processed."
            : "The request could not be read.",
      );
      return sendXml(reply, OUTCOME_STATUS[reason], refusalReply(refusal, undefined).xml);
    });

    scope.post(
      OUTCOMES_PATH,
      { config: { csrf: false }, bodyLimit: OUTCOME_BODY_LIMIT },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const res = await handleOutcomeRequest(ctx, {
          body,
          authorization: request.headers.authorization,
          contentType: String(request.headers["content-type"] ?? ""),
        });
        const status = res.reason ? OUTCOME_STATUS[res.reason] : 200;
        if (res.reason) request.log.info({ reason: res.reason, status }, "outcome request refused");
        return sendXml(reply, status, res.xml);
      },
    );

    scope.post(
      MEMBERSHIPS_PATH,
      { config: { csrf: false }, bodyLimit: OUTCOME_BODY_LIMIT },
      async (request, reply) => {
        const contentType = String(request.headers["content-type"] ?? "");
        if (!/^application\/x-www-form-urlencoded\b/i.test(contentType) || !Buffer.isBuffer(request.body)) {
          const res = membershipsFailure("unsupported_media_type", "The request must be a form post.");
          return sendXml(reply, MEMBERSHIPS_STATUS.unsupported_media_type, res.xml);
        }
        const params = Object.fromEntries(groupParams(new URLSearchParams(request.body.toString("utf8"))));
        const res = await handleMembershipsRequest(ctx, params);
        const status = res.reason ? MEMBERSHIPS_STATUS[res.reason] : 200;
        if (res.reason) request.log.info({ reason: res.reason, status }, "memberships request refused");
        return sendXml(reply, status, res.xml);
      },
    );
  });
}

/** Form parameters by name; a repeated name keeps every value (the signature covers them all). */
function groupParams(search: URLSearchParams): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [k, v] of search) {
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v]);
  }
  return out;
}
