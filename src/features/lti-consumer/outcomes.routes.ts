// The Basic Outcomes endpoint tools post POX messages to (outcomes.service.ts does the work): every answer,
// refusals included, is a POX response envelope.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../http/context.js";
import {
  handleOutcomeRequest,
  OUTCOME_BODY_LIMIT,
  OUTCOMES_PATH,
  OutcomeRefusal,
  refusalReply,
} from "./outcomes.service.js";
import { registerToolService, sendXml } from "./services.routes.js";

export async function registerOutcomesRoutes(app: FastifyInstance, ctx: AppContext) {
  await registerToolService(app, {
    bodyLimit: OUTCOME_BODY_LIMIT,
    refused: (status) => {
      const refusal =
        status === 413
          ? new OutcomeRefusal("too_large", 413, "The request body is too large.")
          : new OutcomeRefusal(
              status >= 500 ? "internal" : "invalid_request",
              status,
              status >= 500 ? "The request could not be processed." : "The request could not be read.",
            );
      return { status, body: refusalReply(refusal, undefined).xml };
    },
    routes: (scope) => {
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
          return sendXml(reply, { status: res.status, body: res.xml });
        },
      );
    },
  });
}
