// Assignment and Grade Services 2.0 as Pluto offers it to LTI 1.3 tools (conformance §O, cases 157–177):
// a course's line items container, each line item, its scores and its results. The protocol (bodies, media
// types, score rules, URLs) is src/lti/ags/; this finds the tool, the course, the line items and the users,
// and writes grades through the grades feature. No HTTP here: ags.routes.ts maps each AgsRefusal reason to
// a status through src/http/lti-errors.ts.
//
// A token is bound to a tool, not a course (conformance case 138, the certification's "previous context"):
// it works on that tool's line items in every course where the tool is deployed (an External tool activity
// of the course launches it), never on another tool's, which are not found. A line item is a grade item:
// an External tool activity's own (exposed as its link's line item, with the activity's name and maximum)
// or a column the tool created, shown in the gradebook and counted in the course total even when it is
// attached to no resource link.
import type { AppContext } from "../../../app/context.js";
import { isUniqueViolation } from "../../../db/errors.js";
import { writeBatcher } from "../../../db/write-batch.js";
import {
  type LineItem,
  type LineItemInput,
  lineItemJson,
  parseLineItem,
} from "../../../lti/ags/line-item.js";
import { AGS_MEDIA_TYPE, checkAccept, checkContentType } from "../../../lti/ags/media-types.js";
import { resultJson } from "../../../lti/ags/result.js";
import { applyScore, completesActivity, parseScore } from "../../../lti/ags/score.js";
import { nextLinkHeader, pageOf, pageSlice, withPathSegment } from "../../../lti/ags/urls.js";
import type { AgsErrorCode, BearerErrorCode } from "../../../lti/errors.js";
import { AGS_SCOPES } from "../../../lti/registration/vocab.js";
import { AGS_SCOPE } from "../../../lti/vocab/claims.js";
import { iso } from "../../../shared/clock.js";
import { findActivity, listCourseActivities } from "../../activities/activities.service.js";
import type { Activity } from "../../activities/activity-types.js";
import { recordViewIn } from "../../completion/completion.service.js";
import { findCourse } from "../../courses/courses.service.js";
import { listParticipants } from "../../enrolments/enrolments.service.js";
import {
  createToolItem,
  findActivityItem,
  findItem,
  findItemGrade,
  type GradeItem,
  listItemGrades,
  removeToolItem,
  setToolGrade,
  updateToolItem,
} from "../../grades/grades.service.js";
import { courseRolesOf } from "../../roles/access.service.js";
import type { ToolType } from "../lti-consumer.repository.js";
import { opaqueUserId, siteSecret } from "../tokens.service.js";
import { readLtiSettings } from "../tools/lti-settings.js";
import type { ToolRegistration } from "../tools/tool-registrations.service.js";
import * as repo from "./ags.repository.js";
import { allowedScopes, verifyAccessToken } from "./token.service.js";

export const AGS_PATH = "/lti/ags";
/** The largest body a line item or score request may have (a comment is at most 64 Ki characters). */
export const AGS_BODY_LIMIT = 256 * 1024;

/** Why an AGS request was refused; src/http/lti-errors.ts gives each its status. */
export type AgsReason =
  | AgsErrorCode
  | BearerErrorCode
  | "invalid_json"
  | "context_not_found"
  | "line_item_not_found"
  | "resource_link_not_found"
  | "line_item_not_deletable"
  | "user_not_gradable"
  | "stale_timestamp"
  | "too_large"
  | "invalid_request"
  | "unavailable"
  | "internal";

/** A refusal with its stable reason (the JSON error's `error`), the description and the field at fault. */
export class AgsRefusal extends Error {
  constructor(
    readonly reason: AgsReason,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface AgsRequest {
  authorization: string | undefined;
  contentType?: string | undefined;
  accept?: string | undefined;
  body?: Buffer | undefined;
  query: Record<string, string | undefined>;
  contextId: string;
  lineItemId?: string;
}

/** What the route sends: a JSON document of its media type (none: 204), with a Link header when paged. */
export interface AgsAnswer {
  created?: boolean;
  mediaType?: string;
  body?: unknown;
  link?: string;
}

const lineItemsPath = (courseId: number) => `${AGS_PATH}/${courseId}/lineitems`;
export const lineItemsUrl = (ctx: Pick<AppContext, "config">, courseId: number) =>
  `${ctx.config.publicUrl}${lineItemsPath(courseId)}`;
const lineItemUrl = (ctx: Pick<AppContext, "config">, courseId: number, id: number) =>
  `${lineItemsUrl(ctx, courseId)}/${id}`;

const idOf = (value: string | undefined): number | undefined =>
  value !== undefined && /^[1-9]\d{0,14}$/.test(value) ? Number(value) : undefined;

function jsonBody(body: Buffer | undefined): unknown {
  try {
    return JSON.parse((body ?? Buffer.alloc(0)).toString("utf8"));
  } catch {
    throw new AgsRefusal("invalid_json", "The request body is not JSON.", "body");
  }
}

interface Granted {
  tool: ToolType;
  registration: ToolRegistration;
  courseId: number;
}

const notFoundContext = () =>
  new AgsRefusal("context_not_found", "No course with this id uses this tool.", "contextId");
const notFoundLineItem = () =>
  new AgsRefusal(
    "line_item_not_found",
    "This tool has no line item with this id in this course.",
    "lineItemId",
  );

/** The token's tool, with one of `scopes`, and the course of the path. */
async function grant(ctx: AppContext, req: AgsRequest, scopes: readonly string[]): Promise<Granted> {
  const { tool, registration } = await verifyAccessToken(ctx, req.authorization, scopes);
  const courseId = idOf(req.contextId);
  if (courseId === undefined) throw notFoundContext();
  return { tool, registration, courseId };
}

/** The course's External tool activities that launch this tool. */
async function toolActivities(ctx: AppContext, courseId: number, toolTypeId: number): Promise<Activity[]> {
  const activities = await listCourseActivities(ctx.db, courseId, { includeHidden: true });
  return activities.filter((a) => a.type === "lti" && readLtiSettings(a.settings).toolTypeId === toolTypeId);
}

/**
 * Checks that the tool is deployed in the course (one of its activities launches the tool) and makes sure
 * each such activity's own grade item is one of the tool's line items. Returns the activities.
 */
async function deployedIn(ctx: AppContext, g: Granted): Promise<Activity[]> {
  if (!(await findCourse(ctx.db, g.courseId))) throw notFoundContext();
  const activities = await toolActivities(ctx, g.courseId, g.tool.id);
  if (
    activities.length === 0 &&
    (await repo.listLineItems(ctx.db, { courseId: g.courseId, toolTypeId: g.tool.id })).length === 0
  )
    throw notFoundContext();
  for (const a of activities) await ensureActivityLineItem(ctx, a, g.tool.id);
  return activities;
}

/**
 * The line item of an External tool activity's own grade item (created on first need), or undefined when
 * the activity takes no grades.
 */
export async function ensureActivityLineItem(
  ctx: Pick<AppContext, "db" | "clock">,
  activity: Activity,
  toolTypeId: number,
): Promise<repo.LineItemRow | undefined> {
  const item = await findActivityItem(ctx.db, activity.id);
  if (!item) return undefined;
  const found = await repo.findLineItemOfGradeItem(ctx.db, item.id);
  if (found) return found;
  try {
    return await repo.insertLineItem(
      ctx.db,
      {
        toolTypeId,
        courseId: activity.courseId,
        gradeItemId: item.id,
        activityId: activity.id,
        resourceId: "",
        tag: "",
        startDateTime: null,
        endDateTime: null,
        gradesReleased: null,
      },
      iso(ctx.clock.now()),
    );
  } catch (err) {
    // Two first launches (or listings) at once: the other one made it.
    if (!isUniqueViolation(err)) throw err;
    return repo.findLineItemOfGradeItem(ctx.db, item.id);
  }
}

/**
 * A Deep Linking content item's `lineItem` (Deep Linking 2.0 §3.4.1): its `resourceId`, `tag` and
 * `gradesReleased` go on the created activity's line item, so the tool finds it by them.
 */
export async function applyDeepLinkLineItem(
  ctx: Pick<AppContext, "db" | "clock">,
  activity: Activity,
  toolTypeId: number,
  lineItem: {
    resourceId?: string | undefined;
    tag?: string | undefined;
    gradesReleased?: boolean | undefined;
  },
): Promise<void> {
  const row = await ensureActivityLineItem(ctx, activity, toolTypeId);
  if (!row) return;
  await repo.updateLineItem(ctx.db, row.id, {
    activityId: row.activityId,
    resourceId: lineItem.resourceId ?? "",
    tag: lineItem.tag ?? "",
    startDateTime: row.startDateTime,
    endDateTime: row.endDateTime,
    gradesReleased: lineItem.gradesReleased ?? null,
  });
}

/** The tool's line item `id` in the course, with its grade item; not found for another tool or course. */
async function lineItemOf(ctx: AppContext, g: Granted, id: string | undefined) {
  const lineItemId = idOf(id);
  const row = lineItemId === undefined ? undefined : await repo.findLineItem(ctx.db, lineItemId);
  if (!row || row.toolTypeId !== g.tool.id || row.courseId !== g.courseId) throw notFoundLineItem();
  const item = await findItem(ctx.db, row.gradeItemId);
  if (!item) throw notFoundLineItem();
  return { row, item };
}

function lineItemDoc(ctx: AppContext, row: repo.LineItemRow, item: GradeItem): LineItem {
  const activityId = item.kind === "activity" ? item.activityId : row.activityId;
  return {
    id: lineItemUrl(ctx, row.courseId, row.id),
    label: item.name,
    scoreMaximum: item.maxGrade,
    resourceId: row.resourceId,
    tag: row.tag,
    ...(activityId === null ? {} : { resourceLinkId: String(activityId) }),
    ...(row.startDateTime === null ? {} : { startDateTime: row.startDateTime }),
    ...(row.endDateTime === null ? {} : { endDateTime: row.endDateTime }),
    ...(row.gradesReleased === null ? {} : { gradesReleased: row.gradesReleased }),
  };
}

const READ_LINE_ITEMS = [AGS_SCOPE.lineItem, AGS_SCOPE.lineItemReadOnly];

/** GET lineitems: the tool's line items in the course, filtered and paged (§3.2.4). */
export async function listLineItemsOf(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  checkAccept(req.accept, AGS_MEDIA_TYPE.lineItemContainer);
  const g = await grant(ctx, req, READ_LINE_ITEMS);
  const page = pageOf(req.query);
  await deployedIn(ctx, g);
  const { resource_link_id: link, resource_id: resourceId, tag } = req.query;
  const activityId = link === undefined ? undefined : (idOf(link) ?? -1);
  const rows = await repo.listLineItems(ctx.db, {
    courseId: g.courseId,
    toolTypeId: g.tool.id,
    ...(resourceId === undefined ? {} : { resourceId }),
    ...(tag === undefined ? {} : { tag }),
  });
  const docs: LineItem[] = [];
  for (const row of rows) {
    const item = await findItem(ctx.db, row.gradeItemId);
    if (!item) continue;
    const doc = lineItemDoc(ctx, row, item);
    if (activityId !== undefined && doc.resourceLinkId !== String(activityId)) continue;
    docs.push(doc);
  }
  const link_ = nextLinkHeader(
    lineItemsUrl(ctx, g.courseId),
    [
      ["resource_link_id", link],
      ["resource_id", resourceId],
      ["tag", tag],
    ],
    page,
    docs.length,
  );
  return {
    mediaType: AGS_MEDIA_TYPE.lineItemContainer,
    body: pageSlice(docs, page).map(lineItemJson),
    ...(link_ === undefined ? {} : { link: link_ }),
  };
}

async function resourceLinkOf(ctx: AppContext, g: Granted, input: LineItemInput): Promise<number | null> {
  if (input.resourceLinkId === undefined) return null;
  const id = idOf(input.resourceLinkId);
  const activity = id === undefined ? undefined : await findActivity(ctx.db, id);
  if (
    !activity ||
    activity.courseId !== g.courseId ||
    activity.type !== "lti" ||
    readLtiSettings(activity.settings).toolTypeId !== g.tool.id
  )
    throw new AgsRefusal(
      "resource_link_not_found",
      "resourceLinkId is not a resource link of this tool in this course.",
      "resourceLinkId",
    );
  return activity.id;
}

/** POST lineitems: a new column of the tool in the gradebook, attached to a resource link or not (§3.2.5). */
export async function createLineItem(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  checkAccept(req.accept, AGS_MEDIA_TYPE.lineItem);
  const g = await grant(ctx, req, [AGS_SCOPE.lineItem]);
  checkContentType(req.contentType, AGS_MEDIA_TYPE.lineItem);
  const input = parseLineItem(jsonBody(req.body));
  await deployedIn(ctx, g);
  const activityId = await resourceLinkOf(ctx, g, input);
  const doc = await ctx.db.transaction().execute(async (trx) => {
    const item = await createToolItem(trx, {
      courseId: g.courseId,
      name: input.label,
      maxGrade: input.scoreMaximum,
      attachedActivityId: activityId,
    });
    const row = await repo.insertLineItem(
      trx,
      {
        toolTypeId: g.tool.id,
        courseId: g.courseId,
        gradeItemId: item.id,
        activityId,
        resourceId: input.resourceId,
        tag: input.tag,
        startDateTime: input.startDateTime ?? null,
        endDateTime: input.endDateTime ?? null,
        gradesReleased: input.gradesReleased ?? null,
      },
      iso(ctx.clock.now()),
    );
    return lineItemDoc(ctx, row, item);
  });
  ctx.log.info(
    { event: "lti_ags_line_item_created", toolTypeId: g.tool.id, courseId: g.courseId, lineItem: doc.id },
    "LTI line item created",
  );
  return { created: true, mediaType: AGS_MEDIA_TYPE.lineItem, body: lineItemJson(doc) };
}

/** GET lineitem. */
export async function getLineItem(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  checkAccept(req.accept, AGS_MEDIA_TYPE.lineItem);
  const g = await grant(ctx, req, READ_LINE_ITEMS);
  const { row, item } = await lineItemOf(ctx, g, req.lineItemId);
  return { mediaType: AGS_MEDIA_TYPE.lineItem, body: lineItemJson(lineItemDoc(ctx, row, item)) };
}

/**
 * PUT lineitem: replaces what the tool may set (§3.2.6) and answers the item as applied. The resource link
 * stays (a tool must not change it); the label and maximum of an activity's own item stay the activity's
 * (its teacher's); a new maximum of the tool's own column rescales its grades.
 */
export async function updateLineItem(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  checkAccept(req.accept, AGS_MEDIA_TYPE.lineItem);
  const g = await grant(ctx, req, [AGS_SCOPE.lineItem]);
  checkContentType(req.contentType, AGS_MEDIA_TYPE.lineItem);
  const input = parseLineItem(jsonBody(req.body));
  const { row } = await lineItemOf(ctx, g, req.lineItemId);
  const doc = await ctx.db.transaction().execute(async (trx) => {
    const current = await findItem(trx, row.gradeItemId);
    if (!current) throw notFoundLineItem();
    const item =
      current.kind === "tool"
        ? await updateToolItem(trx, ctx, current.id, { name: input.label, maxGrade: input.scoreMaximum })
        : current;
    const fields = {
      activityId: row.activityId,
      resourceId: input.resourceId,
      tag: input.tag,
      startDateTime: input.startDateTime ?? null,
      endDateTime: input.endDateTime ?? null,
      gradesReleased: input.gradesReleased ?? null,
    };
    await repo.updateLineItem(trx, row.id, fields);
    return lineItemDoc(ctx, { ...row, ...fields }, item);
  });
  return { mediaType: AGS_MEDIA_TYPE.lineItem, body: lineItemJson(doc) };
}

/** DELETE lineitem: the tool's own column goes with its grades; an activity's own item is the teacher's. */
export async function deleteLineItem(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  const g = await grant(ctx, req, [AGS_SCOPE.lineItem]);
  const { row, item } = await lineItemOf(ctx, g, req.lineItemId);
  if (item.kind !== "tool")
    throw new AgsRefusal(
      "line_item_not_deletable",
      "This line item is an activity's own grade item; it goes when a teacher deletes the activity.",
      "lineItemId",
    );
  await ctx.db.transaction().execute(async (trx) => {
    await repo.deleteLineItem(trx, row.id);
    await removeToolItem(trx, ctx, item.id);
  });
  ctx.log.info(
    { event: "lti_ags_line_item_deleted", toolTypeId: g.tool.id, courseId: g.courseId, lineItemId: row.id },
    "LTI line item deleted",
  );
  return {};
}

// --- users: the opaque user id tools know (the launch's `sub`) back to a Pluto user ---

const MAX_CACHED_SUBS = 100_000;
const subs = new Map<string, number>();

async function userOfSub(ctx: AppContext, courseId: number, sub: string): Promise<number | undefined> {
  const secret = await siteSecret(ctx.db, ctx.clock);
  const key = `${secret.slice(0, 8)}:${sub}`;
  const cached = subs.get(key);
  if (cached !== undefined) return cached;
  let found: number | undefined;
  for (const p of await listParticipants(ctx.db, courseId)) {
    const s = opaqueUserId(secret, p.userId);
    if (subs.size >= MAX_CACHED_SUBS) subs.clear();
    subs.set(`${secret.slice(0, 8)}:${s}`, p.userId);
    if (s === sub) found = p.userId;
  }
  return found;
}

/** A gradable member of the course: enrolled (active now) as a student. */
async function gradableUser(ctx: AppContext, courseId: number, sub: string): Promise<number> {
  const userId = await userOfSub(ctx, courseId, sub);
  const roles = userId === undefined ? [] : await courseRolesOf(ctx.db, userId, courseId, ctx.clock.now());
  if (userId === undefined || !roles.includes("student"))
    throw new AgsRefusal(
      "user_not_gradable",
      "userId is not a gradable member of this course (an active student enrolment).",
      "userId",
    );
  return userId;
}

/**
 * POST {lineitem}/scores (§3.4): the user's grade on the line item rescaled to its maximum (above it when the
 * score exceeds its scoreMaximum), cleared without scoreGiven, kept pending unless FullyGraded, the comment
 * as the student-visible feedback; a score whose timestamp is not later than the stored one changes nothing
 * and is refused (stale_timestamp). Submitted and Completed count as the activity done for completion.
 */
export async function postScore(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  const g = await grant(ctx, req, [AGS_SCOPE.score]);
  checkContentType(req.contentType, AGS_MEDIA_TYPE.score);
  const score = parseScore(jsonBody(req.body));
  const { row, item } = await lineItemOf(ctx, g, req.lineItemId);
  const userId = await gradableUser(ctx, g.courseId, score.userId);
  const activityId = item.kind === "activity" ? item.activityId : row.activityId;
  const activity = activityId === null ? undefined : await findActivity(ctx.db, activityId);
  await writeBatcher(ctx.db, ctx.engine).run(async (trx) => {
    const stored = await findItemGrade(trx, item.id, userId);
    if (!stored) throw notFoundLineItem();
    const outcome = applyScore(score, stored.item.maxGrade, stored.grade?.scoreTimestamp);
    if (outcome.kind === "stale")
      throw new AgsRefusal(
        "stale_timestamp",
        `A score with a later or equal timestamp (${outcome.storedInstant}) is already stored; this one was not applied.`,
        "timestamp",
      );
    await setToolGrade(trx, ctx, {
      itemId: item.id,
      userId,
      grade: outcome.grade,
      feedback: outcome.feedback,
      progress: outcome.progress,
      toolTypeId: g.tool.id,
      scoreTimestamp: score.instant,
      ...(activity ? { activity } : {}),
    });
    if (activity && completesActivity(score.activityProgress)) await recordViewIn(trx, ctx, activity, userId);
  });
  return {};
}

/** GET {lineitem}/results (§3.3): each user's result on the line item, `user_id` filtered, paged. */
export async function listResults(ctx: AppContext, req: AgsRequest): Promise<AgsAnswer> {
  checkAccept(req.accept, AGS_MEDIA_TYPE.resultContainer);
  const g = await grant(ctx, req, [AGS_SCOPE.resultReadOnly]);
  const page = pageOf(req.query);
  const { row, item } = await lineItemOf(ctx, g, req.lineItemId);
  const secret = await siteSecret(ctx.db, ctx.clock);
  const url = lineItemUrl(ctx, row.courseId, row.id);
  const wanted = req.query.user_id;
  const results = (await listItemGrades(ctx.db, item.id))
    .map((grade) => ({ grade, sub: opaqueUserId(secret, grade.userId) }))
    .filter((r) => wanted === undefined || r.sub === wanted)
    .map(({ grade, sub }) =>
      resultJson({
        id: `${withPathSegment(url, "/results")}?user_id=${encodeURIComponent(sub)}`,
        scoreOf: url,
        userId: sub,
        ...(grade.grade === null ? {} : { resultScore: grade.grade }),
        resultMaximum: item.maxGrade,
        comment: grade.feedback,
      }),
    );
  const link = nextLinkHeader(withPathSegment(url, "/results"), [["user_id", wanted]], page, results.length);
  return {
    mediaType: AGS_MEDIA_TYPE.resultContainer,
    body: pageSlice(results, page),
    ...(link === undefined ? {} : { link }),
  };
}

// --- the launch claim ---

/** The AGS scopes a tool may have now; empty when it may not send grades (the one rule: allowedScopes). */
export function agsScopesOf(tool: ToolType, registration: ToolRegistration): string[] {
  return allowedScopes(tool, registration).filter((s) => AGS_SCOPES.includes(s));
}

/**
 * The `https://purl.imsglobal.org/spec/lti-ags/claim/endpoint` claim of a launch of `activity` (§3.1,
 * case 157): when the tool may have AGS and the activity takes grades, its scopes, the course's line items
 * URL and, when the link has exactly one line item, that one's URL. The activity's own grade item is its
 * link's line item (made on the first launch).
 */
export async function agsClaimFor(
  ctx: AppContext,
  v: { activity: Activity; tool: ToolType; registration: ToolRegistration; acceptsGrades: boolean },
): Promise<{ scope: string[]; lineitems: string; lineitem?: string } | undefined> {
  const scope = agsScopesOf(v.tool, v.registration);
  if (scope.length === 0 || !v.acceptsGrades) return undefined;
  const own = await ensureActivityLineItem(ctx, v.activity, v.tool.id);
  const linked = await repo.listLineItems(ctx.db, {
    courseId: v.activity.courseId,
    toolTypeId: v.tool.id,
    activityId: v.activity.id,
  });
  const ids = new Set([...(own ? [own.id] : []), ...linked.map((l) => l.id)]);
  const only = ids.size === 1 ? [...ids][0] : undefined;
  return {
    scope,
    lineitems: lineItemsUrl(ctx, v.activity.courseId),
    ...(only === undefined ? {} : { lineitem: lineItemUrl(ctx, v.activity.courseId, only) }),
  };
}

// --- course copy (§3.2.15) ---

/**
 * Copies the line items of course `fromCourseId` into its copy: each keeps its attributes, its resource link
 * becomes the copied activity; the line items of links that were not copied are not. An activity's own item
 * follows its copied grade item (`gradeItemIds`); a tool's own column is created anew. No grades go along.
 * Runs in the caller's transaction.
 */
export async function copyLineItems(
  trx: AppContext["db"],
  deps: Pick<AppContext, "clock">,
  v: {
    fromCourseId: number;
    toCourseId: number;
    activityIds: ReadonlyMap<number, number>;
    gradeItemIds: ReadonlyMap<number, number>;
  },
): Promise<Map<number, number>> {
  const ids = new Map<number, number>();
  const now = iso(deps.clock.now());
  for (const row of await repo.listCourseLineItems(trx, v.fromCourseId)) {
    const item = await findItem(trx, row.gradeItemId);
    if (!item) continue;
    const activityId = row.activityId === null ? null : v.activityIds.get(row.activityId);
    if (activityId === undefined) continue;
    let gradeItemId: number | undefined;
    if (item.kind === "tool") {
      gradeItemId = (
        await createToolItem(trx, {
          courseId: v.toCourseId,
          name: item.name,
          maxGrade: item.maxGrade,
          attachedActivityId: activityId,
        })
      ).id;
    } else gradeItemId = v.gradeItemIds.get(item.id);
    if (gradeItemId === undefined) continue;
    const copy = await repo.insertLineItem(
      trx,
      {
        toolTypeId: row.toolTypeId,
        courseId: v.toCourseId,
        gradeItemId,
        activityId,
        resourceId: row.resourceId,
        tag: row.tag,
        startDateTime: row.startDateTime,
        endDateTime: row.endDateTime,
        gradesReleased: row.gradesReleased,
      },
      now,
    );
    ids.set(row.id, copy.id);
  }
  return ids;
}
