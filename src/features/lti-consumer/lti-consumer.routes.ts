// The LTI consumer feature ("External tool" activities): its activity type is registered in
// src/features/index.ts; this adds the launch pages, the services tools call (a file per resource), and the
// site-wide tools' admin pages and API.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { registerDeepLinkingRoutes } from "./launch/deep-linking.routes.js";
import { registerLaunchRoutes } from "./launch/launch.routes.js";
import { registerAgsRoutes } from "./services/ags.routes.js";
import { registerMembershipsRoutes } from "./services/memberships.routes.js";
import { registerNrpsRoutes } from "./services/nrps.routes.js";
import { registerOutcomesRoutes } from "./services/outcomes.routes.js";
import { registerTokenRoutes } from "./services/token.routes.js";
import { registerDynamicRegistrationRoutes } from "./tools/dynamic-registration.routes.js";
import { registerToolTypeApi } from "./tools/tool-types.api.js";
import { registerToolTypeRoutes } from "./tools/tool-types.routes.js";

export async function registerLtiConsumerRoutes(app: FastifyInstance, ctx: AppContext) {
  registerLaunchRoutes(app, ctx);
  registerDeepLinkingRoutes(app, ctx);
  registerToolTypeRoutes(app, ctx);
  registerToolTypeApi(app, ctx);
  registerDynamicRegistrationRoutes(app, ctx);
  await registerOutcomesRoutes(app, ctx);
  await registerMembershipsRoutes(app, ctx);
  await registerTokenRoutes(app, ctx);
  await registerNrpsRoutes(app, ctx);
  await registerAgsRoutes(app, ctx);
}
