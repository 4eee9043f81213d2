// Every feature's routes, in one list, and everything features plug into the core (activity types,
// enrolment methods, grade and activity listeners, tasks, menu links), registered here by explicit
// calls: "who acts on a grade change?" is answered by reading registerFeatures.
import type { RouteRegistrar } from "../http/app.js";
import { registerTask } from "../jobs/registry.js";
import { registerActivityRoutes } from "./activities/activities.routes.js";
import { onActivityChanged } from "./activities/activities.service.js";
import { registerActivityType } from "./activities/activity-types.js";
import { assignType } from "./activities/types/assign.js";
import { pageType } from "./activities/types/page.js";
import { quizType } from "./activities/types/quiz.js";
import { registerAdminLinks, registerAdminRoutes } from "./admin/admin.routes.js";
import { registerOpenApiRoute } from "./admin/openapi.routes.js";
import { registerAuthRoutes } from "./auth/auth.routes.js";
import { registerCompletionLinks, registerCompletionRoutes } from "./completion/completion.routes.js";
import { completeOnGradeChange, reevaluateOnActivityChange } from "./completion/completion.service.js";
import { registerCourseCopyLinks } from "./courses/course-copy.routes.js";
import { registerCourseRoutes } from "./courses/courses.routes.js";
import { manualEnrolMethod, registerEnrolMethod } from "./enrolments/enrol-methods.js";
import { registerEnrolMethodsLinks } from "./enrolments/enrol-methods.routes.js";
import { registerEnrolmentRoutes } from "./enrolments/enrolments.routes.js";
import { registerParticipantsLinks } from "./enrolments/participants.routes.js";
import { registerGradebookRoutes, registerGradesLinks } from "./grades/grades.routes.js";
import { onGradeChanged } from "./grades/grades.service.js";
import { ltiCommonTasks } from "./lti-common/lti-common.tasks.js";
import { registerPlatformKeyRoutes, registerPlatformKeysLinks } from "./lti-common/platform-keys.routes.js";
import { registerLtiConsumerRoutes } from "./lti-consumer/lti-consumer.routes.js";
import { ltiConsumerTasks } from "./lti-consumer/lti-consumer.tasks.js";
import { externalToolType } from "./lti-consumer/tools/lti-activity.js";
import { registerToolTypesLinks } from "./lti-consumer/tools/tool-types.routes.js";
import { enqueueOnGradeChange } from "./lti-provider/grade-sync/grade-sync.service.js";
import { registerDynamicRegistrationRoutes } from "./lti-provider/platforms/dynamic-registration.routes.js";
import { registerPlatformApi } from "./lti-provider/platforms/platforms.api.js";
import { registerPlatformRoutes, registerPlatformsLinks } from "./lti-provider/platforms/platforms.routes.js";
import { registerProviderLinks, registerProviderRoutes } from "./lti-provider/provider.routes.js";
import { providerTasks } from "./lti-provider/provider.tasks.js";
import { ltiEnrolMethod } from "./lti-provider/publications/publication.method.js";
import { coreTasks } from "./tasks/core.tasks.js";
import { registerTaskApiRoutes } from "./tasks/tasks.api.routes.js";
import { registerTaskAdminRoutes, registerTasksLinks } from "./tasks/tasks.routes.js";
import { registerProfileRoutes } from "./users/profile.routes.js";
import { registerUserApiRoutes } from "./users/users.api.routes.js";
import { registerUserAdminRoutes, registerUsersLinks } from "./users/users.routes.js";

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
  registerPlatformRoutes,
  registerDynamicRegistrationRoutes,
  registerPlatformApi,
  registerLtiConsumerRoutes,
  registerPlatformKeyRoutes,
];

let registered = false;

/** Plugs every feature into the core, once per process (createContext calls it). */
export function registerFeatures(): void {
  if (registered) return;
  registered = true;
  // Site administration and accounts
  registerUsersLinks();
  registerAdminLinks();
  for (const task of coreTasks) registerTask(task);
  registerTasksLinks();
  // Enrolments: the manual method; participants
  registerEnrolMethod(manualEnrolMethod);
  registerEnrolMethodsLinks();
  registerParticipantsLinks();
  // Activities: the core types
  registerActivityType(pageType);
  registerActivityType(assignType);
  registerActivityType(quizType);
  // Gradebook and completion: a grade or activity change may complete an activity and the course
  registerGradesLinks();
  onGradeChanged(completeOnGradeChange);
  onActivityChanged(reevaluateOnActivityChange);
  registerCompletionLinks();
  registerCourseCopyLinks();
  // Publish as LTI tool: the enrolment method, grade sync (a grade change queues a send), member sync
  registerEnrolMethod(ltiEnrolMethod);
  onGradeChanged(enqueueOnGradeChange);
  for (const task of providerTasks) registerTask(task);
  registerProviderLinks();
  registerPlatformsLinks();
  // External tools (LTI consumer): the activity type and the site-wide tools
  registerActivityType(externalToolType);
  registerToolTypesLinks();
  for (const task of ltiConsumerTasks) registerTask(task);
  // LTI 1.3 platform keys: the rotation task and the admin page
  for (const task of ltiCommonTasks) registerTask(task);
  registerPlatformKeysLinks();
}
