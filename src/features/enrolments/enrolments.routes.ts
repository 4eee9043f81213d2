// Every route of the enrolment feature: the "Enrollment methods" and "Participants" pages and
// their JSON API.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { registerEnrolMethodApi } from "./enrol-methods.api.js";
import { registerEnrolMethodRoutes } from "./enrol-methods.routes.js";
import { registerParticipantApi } from "./participants.api.js";
import { registerParticipantRoutes } from "./participants.routes.js";

export function registerEnrolmentRoutes(app: FastifyInstance, ctx: AppContext) {
  registerEnrolMethodRoutes(app, ctx);
  registerEnrolMethodApi(app, ctx);
  registerParticipantRoutes(app, ctx);
  registerParticipantApi(app, ctx);
}
