// Every feature's routes, in one list; features register their tasks and navigation links when
// their module loads. Later features (LTI provider, LTI consumer) add themselves here.
import type { RouteRegistrar } from "../http/app.js";
import { registerActivityRoutes } from "./activities/activities.routes.js";
import { registerAdminRoutes } from "./admin/admin.routes.js";
import { registerOpenApiRoute } from "./admin/openapi.routes.js";
import { registerAuthRoutes } from "./auth/auth.routes.js";
import { registerCompletionRoutes } from "./completion/completion.routes.js";
import { registerCourseRoutes } from "./courses/courses.routes.js";
import { registerEnrolmentRoutes } from "./enrolments/enrolments.routes.js";
import { registerGradebookRoutes } from "./grades/grades.routes.js";
import { registerLtiConsumerRoutes } from "./lti-consumer/lti-consumer.routes.js";
import { registerProviderRoutes } from "./lti-provider/provider.routes.js";
import { registerTaskApiRoutes } from "./tasks/tasks.api.routes.js";
import { registerTaskAdminRoutes } from "./tasks/tasks.routes.js";
import { registerProfileRoutes } from "./users/profile.routes.js";
import { registerUserApiRoutes } from "./users/users.api.routes.js";
import { registerUserAdminRoutes } from "./users/users.routes.js";
import "./tasks/core.tasks.js";

export const routeRegistrars: RouteRegistrar[] = [
  registerAuthRoutes,
  registerAdminRoutes,
  registerUserAdminRoutes,
  registerProfileRoutes,
  registerTaskAdminRoutes,
  registerUserApiRoutes,
  registerTaskApiRoutes,
  registerOpenApiRoute,
  registerEnrolmentRoutes,
  registerGradebookRoutes,
  registerCourseRoutes,
  registerActivityRoutes,
  registerCompletionRoutes,
  registerProviderRoutes,
  registerLtiConsumerRoutes,
];
