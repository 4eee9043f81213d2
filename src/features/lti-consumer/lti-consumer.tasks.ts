// Scheduled work of lti-consumer (registered in src/features/index.ts): the cleanup of the access tokens
// the token endpoint issued, once they expired (an expired token is refused anyway; this keeps the table small).
import { exponentialBackoff, type TaskDefinition } from "../../jobs/registry.js";
import { purgeExpiredAccessTokens } from "./services/token.service.js";

export const ACCESS_TOKEN_CLEANUP_TASK = "lti_access_token_cleanup";

export const ltiConsumerTasks: TaskDefinition[] = [
  {
    name: ACCESS_TOKEN_CLEANUP_TASK,
    description: "Deletes the LTI 1.3 service access tokens that have expired",
    schedule: { intervalSeconds: 3600 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60),
    handler: async (ctx) => ({
      message: `deleted ${await purgeExpiredAccessTokens(ctx)} expired access tokens`,
    }),
  },
];
