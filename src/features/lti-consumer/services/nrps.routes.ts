// The Names and Role Provisioning endpoint, GET /lti/nrps/{contextId}/memberships (nrps.service.ts does the
// work): a membership container with the NRPS media type as its exact Content-Type and the Link header
// (next, differences), never cached; every refusal a JSON body {error, error_description} with the status
// src/http/lti-errors.ts gives its reason (a Bearer refusal with its WWW-Authenticate challenge) and a log
// line naming the reason, in a scope of its own so that even a failure before the handler is answered so.
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../../../app/context.js";
import { isDatabaseUnavailable } from "../../../db/errors.js";
import { NRPS_STATUS } from "../../../http/lti-errors.js";
import { addApiOperation } from "../../../http/openapi.js";
import { NRPS_MEDIA_TYPE } from "../../../lti/nrps/membership.js";
import { MAX_PAGE_SIZE } from "../../../lti/nrps/paging.js";
import { answerMemberships, NRPS_PATH, type NrpsReason, NrpsRefusal } from "./nrps.service.js";

addApiOperation({
  method: "get",
  path: "/lti/nrps/{contextId}/memberships",
  siteRoot: true,
  summary: `LTI Names and Role Provisioning Services 2.0, for tools, not API users: the members of a course the tool is used in, with a Bearer token from /lti/token granting https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly. Answers ${NRPS_MEDIA_TYPE} (Accept may also name application/vnd.ims.lis.v2.membershipcontainer+json). Members are ordered by user and paged: Link rel="next" while more remain; every answer also carries Link rel="differences", a since-URL listing the members added, changed (their current state) or removed (status Deleted) since that answer. user_id is the launch sub; status Active or Inactive; names and email only as the tool's privacy settings allow. Errors are {error, error_description}: 401/403 for the token (WWW-Authenticate), 404 unknown_context or unknown_rlid, 403 context_not_deployed, 400 invalid_parameter or invalid_cursor, 406 not_acceptable, 410 since_too_old (changes are kept 30 days: reload the full list).`,
  tag: "LTI services",
  query: {
    role: "Only members with this role: a full role URI or a short context role (Learner, Instructor)",
    rlid: "A resource link id (the launch's resource_link.id): only members who can see it, each with message[] carrying the custom values its launch would send them",
    limit: `Members per page (default 100, at most ${MAX_PAGE_SIZE})`,
    since: "The opaque cursor of a differences link",
    p: "The opaque cursor of a next link",
  },
  responses: { 200: "A membership container {id, context: {id, label, title}, members: [...]}" },
});

function sendNrpsError(
  reply: FastifyReply,
  reason: NrpsReason,
  description: string,
  challenge?: string,
): FastifyReply {
  if (challenge !== undefined) reply.header("www-authenticate", challenge);
  if (reason === "unavailable") reply.header("retry-after", "5");
  return reply
    .status(NRPS_STATUS[reason])
    .header("cache-control", "no-store")
    .type("application/json; charset=utf-8")
    .send(JSON.stringify({ error: reason, error_description: description }));
}

export async function registerNrpsRoutes(app: FastifyInstance, ctx: AppContext) {
  await app.register(async (scope) => {
    scope.setErrorHandler(async (error, request, reply) => {
      const e = error as { statusCode?: number; code?: string };
      if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
        request.log.info(
          { event: "lti_nrps_refused", reason: "invalid_request", code: e.code },
          "NRPS refused",
        );
        return sendNrpsError(reply, "invalid_request", "The request could not be read.");
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn(
          { event: "lti_nrps_failed", reason: "unavailable", dbError: { code: e.code } },
          "database unavailable",
        );
        return sendNrpsError(reply, "unavailable", "Please try again in a moment.");
      }
      request.log.error({ err: error, event: "lti_nrps_failed", reason: "internal" }, "NRPS error");
      return sendNrpsError(reply, "internal", "The membership list could not be read.");
    });

    // Public: the tool authenticates with its Bearer token (no session, no CSRF token).
    scope.get<{ Params: { contextId: string } }>(
      NRPS_PATH,
      { config: { csrf: false } },
      async (request, reply) => {
        try {
          const answer = await answerMemberships(ctx, {
            contextId: request.params.contextId,
            authorization: request.headers.authorization,
            accept: request.headers.accept,
            query: (request.query ?? {}) as Record<string, unknown>,
          });
          if (answer.link !== undefined) reply.header("link", answer.link);
          return (
            reply
              .status(200)
              .header("cache-control", "no-store")
              .header("content-type", NRPS_MEDIA_TYPE)
              // As bytes: Fastify would add "; charset=utf-8" to a string's type, and the type must be exact.
              .send(Buffer.from(JSON.stringify(answer.body), "utf8"))
          );
        } catch (e) {
          if (!(e instanceof NrpsRefusal)) throw e;
          request.log.info(
            { event: "lti_nrps_refused", reason: e.reason, contextId: request.params.contextId },
            "NRPS refused",
          );
          return sendNrpsError(reply, e.reason, e.message, e.challenge);
        }
      },
    );
  });
}
