// Deep Linking, Pluto as the tool (Deep Linking 2.0; conformance cases 140–146): a teacher at the platform
// asks for content, Pluto offers the published course and its activities, and answers with a signed
// LtiDeepLinkingResponse holding one ltiResourceLink per choice.
//
// The request is verified by the launch's adapter (launch/v1p3.adapter.ts); what it is offered is
// offered-items.ts's. The offer is stored (lti_tool_deep_links) under the sha256 of a 256-bit choice token,
// for DEEP_LINK_TTL_SECONDS: the picker's form posts the token back, so the choice needs no cookie (the frame
// may keep none), lands on any node, and is used once. A link's custom parameters are `id` and, for an
// activity, `activity=<id>`; its launch lands on the activity (activity-target.ts).
import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import {
  buildDeepLinkingResponseClaims,
  buildResourceLinkItem,
  requireAcceptedItems,
  signDeepLinkingResponse,
} from "../../../lti/deep-linking/response-build.js";
import { isLtiError } from "../../../lti/errors.js";
import { launchSummary, type VerifiedToolLaunch } from "../../../lti/v1p3/tool-launch-verify.js";
import { iso } from "../../../shared/clock.js";
import { randomToken, sha256Hex } from "../../../shared/secrets.js";
import { writeLaunchLog } from "../../lti-common/launch-log.service.js";
import { signingKey } from "../../lti-common/platform-keys.service.js";
import { LaunchRejected } from "../launch/rejection.js";
import { toolLaunchUrl } from "../launch/v1p3.adapter.js";
import type { LaunchPlatform as Platform } from "../platforms/platforms.service.js";
import { ACTIVITY_PARAMETER } from "./activity-target.js";
import * as repo from "./deep-links.repository.js";
import { type OfferedItem, offeredItems, publicationsFor } from "./offered-items.js";

type Ctx = Pick<AppContext, "db" | "config" | "clock" | "log">;

/** How long a teacher has to choose (the choice token's lifetime). */
export const DEEP_LINK_TTL_SECONDS = 1800;

/** The verified request and what was offered, kept under the choice token. */
interface StoredRequest {
  platformIssuer: string;
  clientId: string;
  deploymentId: string;
  /** The lti_deployments row, for the launch log. */
  deploymentRow: number | null;
  sub: string;
  returnUrl: string;
  data?: string;
  acceptTypes: string[];
  acceptMultiple: boolean;
  acceptLineItem?: boolean;
  items: OfferedItem[];
}

export interface Offer {
  token: string;
  multiple: boolean;
  title: string | undefined;
  items: OfferedItem[];
}

/** A response to post to the platform's deep_link_return_url as the form field `JWT`. */
export interface DeepLinkAnswer {
  returnUrl: string;
  jwt: string;
  count: number;
}

/** The lti_deployments row of the request's deployment, or null. */
function deploymentRowOf(platform: Platform, deploymentId: string): number | null {
  return platform.deployments.find((d) => d.deploymentId === deploymentId)?.id ?? null;
}

const NO_RESOURCE_LINKS =
  "Pluto offers LTI resource links, which the platform does not accept at this place. Add Pluto's content where the platform accepts LTI links.";

/**
 * A verified Deep Linking request: refused unless a teacher sent it (`deep_linking_not_allowed`); answered at
 * once with an error response when the platform accepts no ltiResourceLink here (Deep Linking 2.0 §4.5
 * `errormsg`: the platform shows it and closes its dialog); otherwise the offer, stored under its token.
 */
export async function offerContent(
  ctx: Ctx,
  platform: Platform,
  launch: VerifiedToolLaunch,
): Promise<{ kind: "offer"; offer: Offer } | { kind: "answer"; answer: DeepLinkAnswer }> {
  const settings = launch.deepLinking;
  if (settings === undefined)
    throw new LaunchRejected("unsupported_message_type", "Only Deep Linking requests are accepted here.");
  if (!launchSummary(launch).roles.instructor)
    throw new LaunchRejected(
      "deep_linking_not_allowed",
      "Only teachers can choose content from Pluto. Ask your course's teacher to add it.",
    );
  const stored: StoredRequest = {
    platformIssuer: launch.platform.issuer,
    clientId: launch.platform.clientId,
    deploymentId: launch.deploymentId,
    deploymentRow: deploymentRowOf(platform, launch.deploymentId),
    sub: launch.sub ?? "",
    returnUrl: settings.deepLinkReturnUrl,
    ...(settings.data === undefined ? {} : { data: settings.data }),
    acceptTypes: settings.acceptTypes,
    acceptMultiple: settings.acceptMultiple === true,
    ...(settings.acceptLineItem === undefined ? {} : { acceptLineItem: settings.acceptLineItem }),
    items: [],
  };
  if (!settings.acceptTypes.includes("ltiResourceLink"))
    return {
      kind: "answer",
      answer: await answer(ctx, stored, [], [], {
        errormsg: NO_RESOURCE_LINKS,
        errorlog: `accept_types ${settings.acceptTypes.join(",")} has no ltiResourceLink`,
      }),
    };
  stored.items = await offeredItems(ctx, await publicationsFor(ctx, launch));
  const token = randomToken(32);
  await repo.insertDeepLink(ctx.db, {
    tokenHash: sha256Hex(token),
    registrationId: Number(platform.id),
    request: JSON.stringify(stored),
    expiresAt: iso(new Date(ctx.clock.now().getTime() + DEEP_LINK_TTL_SECONDS * 1000)),
  });
  return {
    kind: "offer",
    offer: { token, multiple: stored.acceptMultiple, title: settings.title, items: stored.items },
  };
}

/**
 * The teacher's choice (indexes into the offer) or cancel (`chosen` empty): the signed response. Refused
 * (`deep_linking_choice_unknown`) when the token is unknown, expired or used; `invalid_parameter` for an
 * index that was not offered and `dl_multiple_not_accepted` for several when the platform takes one (the
 * token is kept then, so the teacher may choose again).
 */
export async function answerChoice(
  ctx: Ctx,
  token: string,
  chosen: readonly string[],
): Promise<DeepLinkAnswer> {
  const unknown = () =>
    new LaunchRejected(
      "deep_linking_choice_unknown",
      "This content selection was already sent or has expired. Start it again from your course.",
    );
  if (token.length < 40 || token.length > 100) throw unknown();
  const hash = sha256Hex(token);
  const row = await repo.findDeepLink(ctx.db, hash);
  if (row === undefined || Date.parse(row.expiresAt) <= ctx.clock.now().getTime()) throw unknown();
  const req = JSON.parse(row.request) as StoredRequest;
  const items: OfferedItem[] = [];
  for (const c of new Set(chosen)) {
    const item = /^\d{1,4}$/.test(c) ? req.items[Number(c)] : undefined;
    if (item === undefined) throw new LaunchRejected("invalid_parameter", "This choice was not offered.");
    items.push(item);
  }
  const contentItems = contentItemsOf(ctx, req, items);
  // The token is used once: a second post of the same choice finds no request.
  if (!(await repo.deleteDeepLink(ctx.db, hash))) throw unknown();
  return answer(ctx, req, items, contentItems, items.length === 0 ? { msg: "No content was added." } : {});
}

/** One ltiResourceLink per chosen item, checked against what the request accepts (case 145). */
function contentItemsOf(
  ctx: Ctx,
  req: StoredRequest,
  chosen: readonly OfferedItem[],
): Record<string, unknown>[] {
  const launchUrl = toolLaunchUrl(ctx);
  const contentItems = chosen.map((i) =>
    buildResourceLinkItem({
      url: launchUrl,
      title: i.title,
      text: i.text,
      custom: {
        id: i.uuid,
        ...(i.activityId === undefined ? {} : { [ACTIVITY_PARAMETER]: String(i.activityId) }),
      },
      // §4.4.1 accept_lineitem false: "line items will be ignored"; absent: no assumption, so sent.
      ...(i.maxGrade !== undefined && req.acceptLineItem !== false
        ? {
            lineItem: {
              scoreMaximum: i.maxGrade,
              label: i.title,
              resourceId: `pluto:activity:${i.activityId}`,
            },
          }
        : {}),
    }),
  );
  try {
    requireAcceptedItems(contentItems, req);
  } catch (err) {
    if (isLtiError(err) && err.code === "dl_multiple_not_accepted")
      throw new LaunchRejected(err.code, "The platform takes one item here: choose one.");
    throw err;
  }
  return contentItems;
}

/** Signs the response (the site key, as for client assertions) and writes the launch log row. */
async function answer(
  ctx: Ctx,
  req: StoredRequest,
  chosen: readonly OfferedItem[],
  contentItems: readonly Record<string, unknown>[],
  messages: { msg?: string; errormsg?: string; errorlog?: string },
): Promise<DeepLinkAnswer> {
  const key = await signingKey(ctx);
  const jwt = await signDeepLinkingResponse(
    buildDeepLinkingResponseClaims({
      clientId: req.clientId,
      platformIssuer: req.platformIssuer,
      deploymentId: req.deploymentId,
      ...(req.data === undefined ? {} : { data: req.data }),
      contentItems,
      ...messages,
    }),
    { key: key.privateKey, kid: key.kid, clock: ctx.clock },
  );
  await logDeepLink(ctx.db, ctx, req, {
    result: messages.errormsg === undefined ? "ok" : "rejected",
    reason: messages.errormsg === undefined ? "" : "dl_type_not_accepted",
    message: `deep linking: ${chosen.length} item(s) sent`,
    courseId: chosen[0]?.courseId ?? null,
  });
  return { returnUrl: req.returnUrl, jwt, count: chosen.length };
}

async function logDeepLink(
  db: Db,
  ctx: Pick<AppContext, "clock">,
  req: Pick<StoredRequest, "deploymentId" | "deploymentRow" | "sub">,
  e: { result: "ok" | "rejected"; reason: string; message: string; courseId: number | null },
): Promise<void> {
  await writeLaunchLog(db, ctx.clock.now(), {
    direction: "in",
    courseId: e.courseId,
    deploymentId: req.deploymentRow,
    consumerKey: req.deploymentId,
    remoteUserId: req.sub,
    userId: null,
    result: e.result,
    reason: e.reason,
    message: e.message,
  });
}

/** Writes the launch log row of a refused Deep Linking request (a learner, a publication not found …). */
export function logRefusedDeepLink(
  ctx: Pick<AppContext, "db" | "clock">,
  platform: Platform | undefined,
  launch: Pick<VerifiedToolLaunch, "deploymentId" | "sub"> | undefined,
  r: LaunchRejected,
): Promise<void> {
  return logDeepLink(
    ctx.db,
    ctx,
    {
      deploymentId: launch?.deploymentId ?? "",
      deploymentRow: platform && launch ? deploymentRowOf(platform, launch.deploymentId) : null,
      sub: launch?.sub ?? "",
    },
    { result: "rejected", reason: r.reason, message: r.message, courseId: null },
  );
}

export function purgeDeepLinks(db: Db, now: Date): Promise<number> {
  return repo.deleteExpiredDeepLinks(db, iso(now));
}
