// The memberships endpoint tools post a signed form to (memberships.service.ts does the work): every answer,
// refusals included, is a memberships message_response, with the status src/http/lti-errors.ts gives its reason.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../../app/context.js";
import { MEMBERSHIPS_STATUS, sendLtiXml } from "../../../http/lti-errors.js";
import {
  handleMembershipsRequest,
  MEMBERSHIPS_BODY_LIMIT,
  MEMBERSHIPS_PATH,
  membershipsFailure,
} from "./memberships.service.js";
import { registerToolService } from "./services.routes.js";

export async function registerMembershipsRoutes(app: FastifyInstance, ctx: AppContext) {
  await registerToolService(app, {
    bodyLimit: MEMBERSHIPS_BODY_LIMIT,
    refused: (reason) => ({
      status: MEMBERSHIPS_STATUS[reason],
      xml: membershipsFailure(
        reason,
        reason === "unavailable"
          ? "The database is unavailable. Please try again in a moment."
          : "The request could not be processed.",
      ).xml,
    }),
    routes: (scope) => {
      scope.post(
        MEMBERSHIPS_PATH,
        { config: { csrf: false }, bodyLimit: MEMBERSHIPS_BODY_LIMIT },
        async (request, reply) => {
          const contentType = String(request.headers["content-type"] ?? "");
          if (!/^application\/x-www-form-urlencoded\b/i.test(contentType) || !Buffer.isBuffer(request.body)) {
            const res = membershipsFailure("unsupported_media_type", "The request must be a form post.");
            return sendLtiXml(reply, MEMBERSHIPS_STATUS.unsupported_media_type, res.xml);
          }
          const params = Object.fromEntries(groupParams(new URLSearchParams(request.body.toString("utf8"))));
          const res = await handleMembershipsRequest(ctx, params);
          const status = res.reason ? MEMBERSHIPS_STATUS[res.reason] : 200;
          if (res.reason) request.log.info({ reason: res.reason, status }, "memberships request refused");
          return sendLtiXml(reply, status, res.xml);
        },
      );
    },
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
