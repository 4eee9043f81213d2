// Scheduled work of lti-common (registered in src/features/index.ts): the platform key rotation. The
// scheduler runs a scheduled task on one node at a time; rotateKeys is safe on several anyway.
import { exponentialBackoff, type TaskDefinition } from "../../jobs/registry.js";
import { rotateKeys } from "./platform-keys.service.js";

export const KEY_ROTATION_TASK = "lti_platform_key_rotation";

export const ltiCommonTasks: TaskDefinition[] = [
  {
    name: KEY_ROTATION_TASK,
    description:
      "Rotates the LTI 1.3 platform keys: publishes the next key an hour before it signs, deletes keys nothing signed by them can still be verified",
    schedule: { intervalSeconds: 3600 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60, 3600),
    handler: async (ctx) => {
      const r = await rotateKeys(ctx);
      return {
        message: `signing ${r.signingKid ?? "none"}; created ${r.created ?? "none"}; retired ${r.retired.length}; deleted ${r.deleted.length}; next review ${r.nextReviewAt.toISOString()}`,
      };
    },
  },
];
