// Scheduled work of lti-consumer (registered in src/features/index.ts): the cleanup of the access tokens
// the token endpoint issued, once they expired (an expired token is refused anyway; this keeps the table small),
// and of the membership change log NRPS differences read, past its retention period.
import { exponentialBackoff, type TaskDefinition } from "../../jobs/registry.js";
import { MEMBERSHIP_CHANGE_RETENTION_DAYS, pruneMembershipChangeLog } from "./services/nrps.service.js";
import { purgeExpiredAccessTokens } from "./services/token.service.js";

export const ACCESS_TOKEN_CLEANUP_TASK = "lti_access_token_cleanup";
export const MEMBERSHIP_CHANGES_CLEANUP_TASK = "lti_membership_changes_cleanup";

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
  {
    name: MEMBERSHIP_CHANGES_CLEANUP_TASK,
    description: `Deletes the membership change log entries older than ${MEMBERSHIP_CHANGE_RETENTION_DAYS} days (NRPS differences)`,
    schedule: { intervalSeconds: 24 * 3600 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60),
    handler: async (ctx) => ({
      message: `deleted ${await pruneMembershipChangeLog(ctx)} membership change log entries`,
    }),
  },
];
