// The Basic Outcomes service Pluto offers tools (LTI 1.1 Implementation Guide §6; conformance cases 48–60):
// replaceResult, readResult and deleteResult on an External tool activity's grade. Order of checks: the POX
// document is read (safely: no entity is ever expanded), the sourcedid's mac is checked in constant time, the
// activity and the user's enrolment are looked up, then the OAuth signature, body hash, timestamp and nonce;
// only then is anything written. Every refusal is a failure envelope with a status code and nothing written.

import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import { writeBatcher } from "../../../db/write-batch.js";
import { isLtiError, type LtiErrorCode, ParameterError } from "../../../lti/errors.js";
import { verifyBodyHashRequest } from "../../../lti/v1p1/oauth-body-hash.js";
import { isOAuthAuthorization } from "../../../lti/v1p1/oauth-header.js";
import {
  buildOutcomeResponse,
  type CodeMajor,
  type OutcomeRequest,
  parseOutcomeRequest,
  peekOutcomeRequest,
} from "../../../lti/v1p1/outcomes.js";
import { findActivity } from "../../activities/activities.service.js";
import type { Activity } from "../../activities/activity-types.js";
import { clearGrade, findActivityItem, findGrade, setGrade } from "../../grades/grades.service.js";
import { toolNonceStore } from "../../lti-common/nonces.service.js";
import { courseRolesOf } from "../../roles/access.service.js";
import { siteSecret, verifySourcedId } from "../tokens.service.js";
import { effectiveMaxGrade, readLtiSettings, resolveTool, toolDeploymentOf } from "../tools/lti-settings.js";

export const OUTCOMES_PATH = "/lti/outcomes";
export const OUTCOME_BODY_LIMIT = 64 * 1024;

/** Why an outcome request was refused; src/http/lti-errors.ts gives each its status. */
export type OutcomeReason =
  | LtiErrorCode
  | "oauth_missing_parameter"
  | "oauth_invalid_parameter"
  | "missing_authorization"
  | "invalid_sourcedid"
  | "unknown_sourcedid"
  | "grades_not_accepted"
  | "not_enrolled"
  | "not_configured"
  | "unsupported_media_type"
  | "too_large"
  | "invalid_request"
  | "unavailable"
  | "internal";

export interface OutcomeReply {
  xml: string;
  /** Why it failed (absent: it succeeded), for the status and the log (never the secret). */
  reason?: OutcomeReason;
}

/** A refusal: the stable reason (for the status, logs and tests) and the description the tool reads. */
export class OutcomeRefusal extends Error {
  constructor(
    readonly reason: OutcomeReason,
    message: string,
    readonly codeMajor: CodeMajor = "failure",
  ) {
    super(message);
  }
}

const LTI_DESCRIPTIONS: Partial<Record<LtiErrorCode, string>> = {
  bad_signature: "The OAuth signature is invalid.",
  bad_body_hash: "oauth_body_hash does not match the request body.",
  stale_timestamp: "oauth_timestamp is too far from the current time.",
  replayed_nonce: "oauth_nonce has already been used.",
  unsupported_signature_method: "Only HMAC-SHA1 signatures are accepted.",
  invalid_xml: "The request is not well-formed XML.",
  xml_entities: "XML entity declarations are not accepted.",
  not_a_pox_message: "The request is not an imsx_POXEnvelopeRequest.",
  multiple_operations: "A request must hold exactly one operation on one result record.",
  score_out_of_range: "The score must be a number from 0.0 to 1.0.",
};

/** Turns any refusal into the envelope a tool reads (case 56: never an HTML error page). */
export function refusalReply(err: unknown, body: Buffer | string | undefined): OutcomeReply {
  const peek = body === undefined ? {} : peekOutcomeRequest(body);
  let reason: OutcomeReason = "invalid_request";
  let description = "The request could not be processed.";
  let codeMajor: CodeMajor = "failure";
  if (err instanceof OutcomeRefusal) {
    ({ reason, codeMajor } = err);
    description = err.message;
  } else if (isLtiError(err)) {
    reason = err.code;
    description = LTI_DESCRIPTIONS[err.code] ?? err.message;
    if (err.code === "unsupported_operation") codeMajor = "unsupported";
  }
  const xml = buildOutcomeResponse({
    codeMajor,
    description,
    messageRefIdentifier: peek.messageIdentifier,
    operationRefIdentifier: peek.operation,
  });
  return { xml, reason };
}

interface Target {
  activity: Activity;
  userId: number;
  maxGrade: number;
  consumerKey: string;
  sharedSecret: string;
  deployment: { activityId: number } | { toolTypeId: number };
}

async function findTarget(ctx: AppContext, sourcedId: string): Promise<Target> {
  const ids = verifySourcedId(await siteSecret(ctx.db, ctx.clock), sourcedId);
  if (!ids) throw new OutcomeRefusal("invalid_sourcedid", "The sourcedId is not valid.");
  const activity = await findActivity(ctx.db, ids.activityId);
  if (activity?.type !== "lti") {
    throw new OutcomeRefusal("unknown_sourcedid", "The sourcedId names no current result.");
  }
  const settings = readLtiSettings(activity.settings);
  const tool = await resolveTool(ctx, settings);
  const maxGrade = effectiveMaxGrade(tool, settings);
  if (maxGrade === null) {
    throw new OutcomeRefusal("grades_not_accepted", "This activity does not accept grades from the tool.");
  }
  const roles = await courseRolesOf(ctx.db, ids.userId, activity.courseId, ctx.clock.now());
  if (roles.length === 0) {
    throw new OutcomeRefusal("not_enrolled", "The user is not enrolled in the course.");
  }
  return {
    activity,
    userId: ids.userId,
    maxGrade,
    consumerKey: tool.consumerKey,
    sharedSecret: tool.sharedSecret,
    deployment: toolDeploymentOf(activity.id, tool),
  };
}

async function apply(trx: Db, ctx: AppContext, req: OutcomeRequest, t: Target): Promise<OutcomeReply> {
  const ok = (description: string, score?: number | null) => ({
    xml: buildOutcomeResponse({
      codeMajor: "success",
      description,
      messageRefIdentifier: req.messageIdentifier,
      operationRefIdentifier: req.operation,
      ...(req.operation === "readResult" ? { score: score ?? null } : {}),
    }),
  });
  const who = {
    activityId: t.activity.id,
    activity: t.activity,
    userId: t.userId,
    source: "external" as const,
    actorId: null,
  };
  if (req.operation === "replaceResult") {
    const score = req.score ?? 0;
    const grade = Math.round(score * t.maxGrade * 100000) / 100000;
    await setGrade(trx, ctx, { ...who, grade });
    return ok(`Score for ${req.sourcedId} is now ${score}`);
  }
  if (req.operation === "deleteResult") {
    await clearGrade(trx, ctx, who);
    return ok(`Score for ${req.sourcedId} deleted`);
  }
  const item = await findActivityItem(trx, t.activity.id);
  const g = item ? await findGrade(trx, item.id, t.userId) : undefined;
  const score = g?.grade == null || !item ? null : Math.min(1, Math.max(0, g.grade / item.maxGrade));
  return ok(score === null ? "No score yet" : `Score for ${req.sourcedId} is ${score}`, score);
}

/** Handles one POX request already capped at OUTCOME_BODY_LIMIT bytes. */
export async function handleOutcomeRequest(
  ctx: AppContext,
  req: { body: Buffer; authorization: string | undefined; contentType: string },
): Promise<OutcomeReply> {
  try {
    if (!/^(application|text)\/xml\b/i.test(req.contentType)) {
      throw new OutcomeRefusal("unsupported_media_type", "The request must be application/xml.");
    }
    if (req.body.length > OUTCOME_BODY_LIMIT) {
      throw new OutcomeRefusal("too_large", "The request body is too large.");
    }
    const parsed = parseOutcomeRequest(req.body);
    const target = await findTarget(ctx, parsed.sourcedId);
    if (!target.consumerKey || !target.sharedSecret) {
      throw new OutcomeRefusal("not_configured", "This activity has no consumer key and shared secret.");
    }
    if (!isOAuthAuthorization(req.authorization)) {
      throw new OutcomeRefusal("missing_authorization", "An OAuth Authorization header is required.");
    }
    const authorization = req.authorization;
    // The nonce is recorded in the same transaction as the grade: one commit, and neither without the other.
    // On SQLite, requests arriving together share that commit (see write-batch.ts).
    return await writeBatcher(ctx.db, ctx.engine).run(async (trx) => {
      try {
        await verifyBodyHashRequest(
          { url: `${ctx.config.publicUrl}${OUTCOMES_PATH}`, authorization, body: req.body },
          {
            secret: (key) => (key === target.consumerKey ? target.sharedSecret : undefined),
            clock: ctx.clock,
            nonceStore: toolNonceStore(trx, ctx.clock, target.deployment),
          },
        );
      } catch (err) {
        // A missing or malformed oauth_* parameter is an authentication failure too.
        if (err instanceof ParameterError) throw new OutcomeRefusal(`oauth_${err.code}`, err.message);
        throw err;
      }
      return apply(trx, ctx, parsed, target);
    });
  } catch (err) {
    if (!(err instanceof OutcomeRefusal) && !isLtiError(err)) throw err;
    return refusalReply(err, req.body);
  }
}
