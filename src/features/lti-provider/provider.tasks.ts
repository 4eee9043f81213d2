// Scheduled and queued work of "Publish as LTI tool" (registered in src/features/index.ts). Job
// payloads are parsed with a schema: a job row is input like any other.
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { exponentialBackoff, type TaskDefinition } from "../../jobs/registry.js";
import { addSeconds } from "../../shared/clock.js";
import { guardedFetch } from "../../shared/outbound.js";
import { purgeExpiredNonces } from "../lti-common/nonces.service.js";
import { signingKey } from "../lti-common/platform-keys.service.js";
import { purgeDeepLinks } from "./deep-linking/deep-linking.service.js";
import {
  BUSY_RETRY_SECONDS,
  SEND_GRADE_TASK,
  sendGrade,
  syncAllGrades,
} from "./grade-sync/grade-sync.service.js";
import { purgeHandoffs } from "./launch/handoff.service.js";
import { purgeToolLogins } from "./launch/tool-logins.service.js";
import { syncAllMembers } from "./member-sync/member-sync.service.js";
import { purgeRegistrationUrls } from "./platforms/dynamic-registration.service.js";
import { syncTransports } from "./sync-transports.js";

/** What enqueueOnGradeChange puts in a send-grade job. */
const sendGradePayload = z.object({ providerUserId: z.number() });

/** The transports of a run: outbound requests through the SSRF guard with the site's allow list. */
const transports = (ctx: AppContext) =>
  syncTransports({
    fetch: guardedFetch(ctx.config.outboundAllow),
    clock: ctx.clock,
    signer: () => signingKey(ctx),
  });

export const providerTasks: TaskDefinition[] = [
  {
    name: SEND_GRADE_TASK,
    description: "Sends one LTI user's changed grade to the consumer (queued when the grade changes)",
    maxAttempts: 8,
    backoffSeconds: exponentialBackoff(30, 6 * 3600),
    handler: async (ctx, payload, run) => {
      const parsed = sendGradePayload.safeParse(payload);
      if (!parsed.success) return { message: "bad payload: no providerUserId" };
      const result = await sendGrade(ctx, transports(ctx).grades, parsed.data.providerUserId, run.signal);
      // Another run is sending this user's grade; it may have read the grade before this change.
      if (result === "busy")
        return {
          message: "busy: another run is sending this grade",
          runAgainAt: addSeconds(ctx.clock.now(), BUSY_RETRY_SECONDS),
        };
      return { message: result };
    },
  },
  {
    name: "lti_provider_grade_sync",
    description: "Sends the changed grades of LTI users back to their consumers (Publish as LTI tool)",
    schedule: { intervalSeconds: 15 * 60 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60, 15 * 60),
    handler: async (ctx, _payload, run) => {
      const t = await syncAllGrades(ctx, transports(ctx).grades, undefined, run.signal);
      const message = `sent ${t.sent}, unchanged ${t.unchanged}, skipped ${t.skipped}, busy ${t.busy}, failed ${t.failed}${t.firstError ? ` (first error: ${t.firstError})` : ""}`;
      if (t.failed > 0 && t.sent === 0 && t.unchanged === 0) throw new Error(message);
      return { message };
    },
  },
  {
    name: "lti_provider_member_sync",
    description:
      'Synchronises the members of consumers\' courses into published courses (membership sync "Yes")',
    schedule: { intervalSeconds: 30 * 60 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60, 30 * 60),
    handler: async (ctx, _payload, run) => {
      const t = await syncAllMembers(ctx, transports(ctx).members, run.signal);
      const message = `${t.links} resource links (${t.unreachable} unreadable): enrolled ${t.enrolled}, unenrolled ${t.unenrolled}, failed ${t.failed}${t.firstError ? ` (first error: ${t.firstError})` : ""}`;
      // The run failed when no consumer could be read at all; single failures are reported and retried next run.
      if (t.links > 0 && t.unreachable === t.links) throw new Error(message);
      return { message };
    },
  },
  {
    name: "lti_nonce_cleanup",
    description:
      "Deletes expired OAuth nonces, launch hand-off tokens, LTI 1.3 logins, Deep Linking choices and Dynamic Registration URLs",
    schedule: { intervalSeconds: 3600 },
    maxAttempts: 1,
    backoffSeconds: exponentialBackoff(60),
    handler: async (ctx) => {
      const now = ctx.clock.now();
      return {
        message: `deleted ${await purgeExpiredNonces(ctx.db, now)} nonces, ${await purgeHandoffs(ctx.db, now)} hand-off tokens, ${await purgeToolLogins(ctx.db, now)} logins, ${await purgeDeepLinks(ctx.db, now)} Deep Linking choices, ${await purgeRegistrationUrls(ctx.db, now)} registration URLs`,
      };
    },
  },
];
