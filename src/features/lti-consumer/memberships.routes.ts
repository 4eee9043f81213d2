// The memberships endpoint tools post a signed form to (memberships.service.ts does the work): every answer,
// refusals included, is a memberships message_response.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../http/context.js";
import { buildMembershipsResponse } from "../../lti/v1p1/memberships.js";
import { handleMembershipsRequest, MEMBERSHIPS_BODY_LIMIT, MEMBERSHIPS_PATH } from "./memberships.service.js";
import { registerToolService, sendXml } from "./services.routes.js";

const failure = (status: number, description: string) => ({
  status,
  body: buildMembershipsResponse({ members: [], codeMajor: "Failure", description }),
});

export async function registerMembershipsRoutes(app: FastifyInstance, ctx: AppContext) {
  await registerToolService(app, {
    bodyLimit: MEMBERSHIPS_BODY_LIMIT,
    refused: (status) => failure(status, "The request could not be processed."),
    routes: (scope) => {
      scope.post(
        MEMBERSHIPS_PATH,
        { config: { csrf: false }, bodyLimit: MEMBERSHIPS_BODY_LIMIT },
        async (request, reply) => {
          const contentType = String(request.headers["content-type"] ?? "");
          if (!/^application\/x-www-form-urlencoded\b/i.test(contentType) || !Buffer.isBuffer(request.body)) {
            return sendXml(reply, failure(415, "The request must be a form post."));
          }
          const params = Object.fromEntries(groupParams(new URLSearchParams(request.body.toString("utf8"))));
          const res = await handleMembershipsRequest(ctx, params);
          if (res.reason)
            request.log.info({ reason: res.reason, status: res.status }, "memberships request refused");
          return sendXml(reply, { status: res.status, body: res.xml });
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
