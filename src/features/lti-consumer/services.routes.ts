// The endpoints tools call: Basic Outcomes (POX XML) and memberships (signed form). They authenticate with
// OAuth signatures, not cookies (csrf: false), and answer every failure in the protocol's own envelope — even
// a body that is too large or of the wrong type — from an error handler scoped to these two routes.
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../../app/context.js";
import { buildMembershipsResponse } from "../../lti/v1p1/memberships.js";
import { MEMBERSHIPS_PATH, OUTCOMES_PATH } from "./launch.service.js";
import { handleMembershipsRequest } from "./memberships.service.js";
import {
  handleOutcomeRequest,
  OUTCOME_BODY_LIMIT,
  OutcomeRefusal,
  refusalReply,
} from "./outcomes.service.js";

const XML = "application/xml; charset=utf-8";

function sendXml(reply: FastifyReply, status: number, xml: string) {
  if (status === 401) reply.header("www-authenticate", 'OAuth realm=""');
  return reply.status(status).type(XML).send(xml);
}

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
      const status = e.statusCode === 413 ? 413 : e.statusCode === 415 ? 415 : (e.statusCode ?? 500);
      if (status >= 500) request.log.error({ err: error }, "LTI service error");
      else request.log.info({ status, code: e.code }, "LTI service request rejected");
      if (request.url.startsWith(MEMBERSHIPS_PATH)) {
        const xml = buildMembershipsResponse({
          members: [],
          codeMajor: "Failure",
          description: "The request could not be processed.",
        });
        return sendXml(reply, status, xml);
      }
      const refusal =
        status === 413
          ? new OutcomeRefusal("too_large", 413, "The request body is too large.")
          : new OutcomeRefusal(
              status >= 500 ? "internal" : "invalid_request",
              status,
              status >= 500 ? "The request could not be processed." : "The request could not be read.",
            );
      return sendXml(reply, status, refusalReply(refusal, undefined).xml);
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
        if (res.reason)
          request.log.info({ reason: res.reason, status: res.status }, "outcome request refused");
        return sendXml(reply, res.status, res.xml);
      },
    );

    scope.post(
      MEMBERSHIPS_PATH,
      { config: { csrf: false }, bodyLimit: OUTCOME_BODY_LIMIT },
      async (request, reply) => {
        const contentType = String(request.headers["content-type"] ?? "");
        if (!/^application\/x-www-form-urlencoded\b/i.test(contentType) || !Buffer.isBuffer(request.body)) {
          const xml = buildMembershipsResponse({
            members: [],
            codeMajor: "Failure",
            description: "The request must be a form post.",
          });
          return sendXml(reply, 415, xml);
        }
        const params = Object.fromEntries(groupParams(new URLSearchParams(request.body.toString("utf8"))));
        const res = await handleMembershipsRequest(ctx, params);
        if (res.reason)
          request.log.info({ reason: res.reason, status: res.status }, "memberships request refused");
        return sendXml(reply, res.status, res.xml);
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
