// The Basic Outcomes endpoint tools post POX messages to (outcomes.service.ts does the work): every answer,
// refusals included, is a POX response envelope, with the status src/http/lti-errors.ts gives its reason.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../../app/context.js";
import { OUTCOME_STATUS, sendLtiXml } from "../../../http/lti-errors.js";
import {
  handleOutcomeRequest,
  OUTCOME_BODY_LIMIT,
  OUTCOMES_PATH,
  OutcomeRefusal,
  refusalReply,
} from "./outcomes.service.js";
import { registerToolService } from "./services.routes.js";

const REFUSED_TEXT = {
  too_large: "The request body is too large.",
  unsupported_media_type: "The request could not be read.",
  invalid_request: "The request could not be read.",
  unavailable: "The database is unavailable. Please try again in a moment.",
  internal: "The request could not be processed.",
} as const;

export async function registerOutcomesRoutes(app: FastifyInstance, ctx: AppContext) {
  await registerToolService(app, {
    bodyLimit: OUTCOME_BODY_LIMIT,
    refused: (reason) => ({
      status: OUTCOME_STATUS[reason],
      xml: refusalReply(new OutcomeRefusal(reason, REFUSED_TEXT[reason]), undefined).xml,
    }),
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
          const status = res.reason ? OUTCOME_STATUS[res.reason] : 200;
          if (res.reason) request.log.info({ reason: res.reason, status }, "outcome request refused");
          return sendLtiXml(reply, status, res.xml);
        },
      );
    },
  });
}
