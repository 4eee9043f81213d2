// Names and Role Provisioning Services 2.0 (Pluto as an LTI 1.3 platform; conformance cases 178–188): a tool
// with a Bearer token granting contextmembership.readonly reads the members of a course it is used in, one
// page at a time. The protocol (JSON, role filter, Link header, cursors) is src/lti/nrps/; this finds the
// tool, the course and the link, maps Pluto's enrolments and roles to members (user_id = the launch `sub`,
// status Active/Inactive, names and email only as the tool's privacy settings allow, `message[]` with the
// custom values a launch would send) and answers differences (`?since=`) from the membership change log.
import type { AppContext } from "../../../app/context.js";
import { BearerTokenError, ParameterError } from "../../../lti/errors.js";
import {
  acceptsMembershipContainer,
  buildMembershipContainer,
  type NrpsMember,
  normaliseRoleFilter,
  resourceLinkMessage,
} from "../../../lti/nrps/membership.js";
import {
  buildLinkHeader,
  cursorKey,
  membershipPageUrl,
  openCursor,
  parseLimit,
  sealCursor,
} from "../../../lti/nrps/paging.js";
import { type Substitutions, substitute } from "../../../lti/v1p1/custom-params.js";
import { NRPS_SCOPE_MEMBERSHIP_READONLY } from "../../../lti/vocab/claims.js";
import { LTI13_ROLE_PREFIX, lti13RoleUris } from "../../../lti/vocab/roles.js";
import { iso } from "../../../shared/clock.js";
import { resolveTimeZone } from "../../../shared/time-zone.js";
import { listCourseActivities } from "../../activities/activities.service.js";
import type { Activity } from "../../activities/activity-types.js";
import { launchHistory } from "../../courses/course-copy.service.js";
import { type Course, findCourse } from "../../courses/courses.service.js";
import { pruneMembershipChanges } from "../../enrolments/enrolments.service.js";
import { type Capability, ROLE_CAPABILITIES, ROLES } from "../../roles/capabilities.js";
import type { ToolType } from "../lti-consumer.repository.js";
import { opaqueUserId, siteSecret } from "../tokens.service.js";
import { readLtiSettings, resolveTool } from "../tools/lti-settings.js";
import { platformDetails, type ToolRegistration } from "../tools/tool-registrations.service.js";
import * as repo from "./nrps.repository.js";
import { allowedScopes, verifyAccessToken } from "./token.service.js";

export const NRPS_PATH = "/lti/nrps/:contextId/memberships";

/** The context_memberships_url of a course (the launch claim's, case 178). */
export function contextMembershipsUrl(publicUrl: string, courseId: number): string {
  return `${platformDetails(publicUrl).issuer}/lti/nrps/${courseId}/memberships`;
}

/**
 * The launch's NRPS claim (case 178) for a course, when the tool may have the NRPS scope: the same rule as
 * the token endpoint's (allowedScopes), so a tool is offered the service exactly when it may call it.
 */
export function nrpsLaunchClaim(
  publicUrl: string,
  tool: ToolType | undefined,
  registration: ToolRegistration,
  courseId: number,
): { contextMembershipsUrl: string } | undefined {
  if (tool === undefined || !allowedScopes(tool, registration).includes(NRPS_SCOPE_MEMBERSHIP_READONLY))
    return undefined;
  return { contextMembershipsUrl: contextMembershipsUrl(publicUrl, courseId) };
}

/** How long the membership change log is kept; a since-cursor older than this is refused (reload the list). */
export const MEMBERSHIP_CHANGE_RETENTION_DAYS = 30;
/**
 * Differences also re-read the change log rows written in this many seconds before their mark's listing: a
 * transaction that took its id before the mark may commit after the mark was read (PostgreSQL), and listing
 * a member twice is harmless (each entry is its current state).
 */
const CHANGE_OVERLAP_SECONDS = 60;

/** Why an NRPS request was refused; src/http/lti-errors.ts gives each its status. */
export type NrpsReason =
  | "bearer_invalid_token"
  | "bearer_insufficient_scope"
  | "unknown_context"
  | "context_not_deployed"
  | "unknown_rlid"
  | "invalid_parameter"
  | "invalid_cursor"
  | "since_too_old"
  | "not_acceptable"
  | "invalid_request"
  | "unavailable"
  | "internal";

/** A refused NRPS request: its reason (status and log), a message for the tool, the Bearer challenge if any. */
export class NrpsRefusal extends Error {
  override name = "NrpsRefusal";
  constructor(
    readonly reason: NrpsReason,
    message: string,
    readonly challenge?: string,
  ) {
    super(message);
  }
}

export interface NrpsRequest {
  contextId: string;
  authorization: string | undefined;
  accept: string | undefined;
  query: Readonly<Record<string, unknown>>;
}

export interface NrpsAnswer {
  body: Record<string, unknown>;
  /** The Link header (next, differences); absent when there is neither. */
  link?: string;
  toolTypeId: number;
}

/** Pluto roles whose holders are sent as Instructor (as the launch decides, lti13-launch.service.ts). */
const rolesWith = (...caps: Capability[]) =>
  ROLES.filter((r) => caps.some((c) => ROLE_CAPABILITIES[r].includes(c)));
const INSTRUCTOR_ROLES = rolesWith("course:managematerial");
/** Who may open a link at all, and who sees a hidden one. */
const LINK_ROLES = rolesWith("activity:participate", "course:managematerial");
const HIDDEN_LINK_ROLES = rolesWith("course:viewhidden");

const INSTRUCTOR_URI = `${LTI13_ROLE_PREFIX.context}Instructor`;
const LEARNER_URI = `${LTI13_ROLE_PREFIX.context}Learner`;

/** A page cursor (`p`): the keyset position and the listing's snapshot, and for differences their start. */
interface PageCursor {
  c: number;
  /** The last user id served. */
  a: number;
  /** The change log mark and time of the listing's first page (the next since-cursor). */
  m: number;
  t: string;
  /** Differences only: where they started from. */
  dm?: number;
  dt?: string;
}

/** A since-cursor: the course, the change log mark and the time of the listing it came with. */
interface SinceCursor {
  c: number;
  m: number;
  t: string;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v));

function single(query: NrpsRequest["query"], name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ParameterError("invalid_parameter", name, "given more than once");
  return v;
}

async function verifyToken(ctx: AppContext, authorization: string | undefined) {
  try {
    return await verifyAccessToken(ctx, authorization, NRPS_SCOPE_MEMBERSHIP_READONLY);
  } catch (e) {
    if (!(e instanceof BearerTokenError)) throw e;
    throw new NrpsRefusal(e.code, e.message, e.challenge);
  }
}

/** The course's activities that use the tool (its NRPS contexts are the courses where it has one). */
function toolActivities(activities: readonly Activity[], toolTypeId: number): Activity[] {
  return activities.filter((a) => a.type === "lti" && readLtiSettings(a.settings).toolTypeId === toolTypeId);
}

/**
 * Answers `GET context_memberships_url`: the token checked (scope contextmembership.readonly), the course one
 * where the tool is used, the filters read, then a page of the full list or of the differences.
 */
export async function answerMemberships(ctx: AppContext, req: NrpsRequest): Promise<NrpsAnswer> {
  const { tool } = await verifyToken(ctx, req.authorization);
  const courseId = /^[1-9][0-9]{0,15}$/.test(req.contextId) ? Number(req.contextId) : undefined;
  const course = courseId === undefined ? undefined : await findCourse(ctx.db, courseId);
  if (course === undefined) throw new NrpsRefusal("unknown_context", "There is no such context.");
  const activities = toolActivities(
    await listCourseActivities(ctx.db, course.id, { includeHidden: true }),
    tool.id,
  );
  if (activities.length === 0)
    throw new NrpsRefusal("context_not_deployed", "This tool is not used in this context.");
  if (!acceptsMembershipContainer(req.accept))
    throw new NrpsRefusal("not_acceptable", "This service answers a membership container only.");

  let role: string | undefined;
  let rlid: string | undefined;
  let limit: number;
  let page: string | undefined;
  let since: string | undefined;
  try {
    const r = single(req.query, "role");
    role = r === undefined ? undefined : normaliseRoleFilter(r);
    rlid = single(req.query, "rlid");
    limit = parseLimit(single(req.query, "limit"));
    page = single(req.query, "p");
    since = single(req.query, "since");
  } catch (e) {
    if (!(e instanceof ParameterError)) throw e;
    throw new NrpsRefusal("invalid_parameter", e.message);
  }
  const link = rlid === undefined ? undefined : activities.find((a) => String(a.id) === rlid);
  if (rlid !== undefined && link === undefined)
    throw new NrpsRefusal("unknown_rlid", "There is no such resource link of this tool in this context.");

  const secret = await siteSecret(ctx.db, ctx.clock);
  const key = cursorKey(secret);
  const now = ctx.clock.now();
  const open = (token: string) => {
    const c = openCursor(key, token);
    if (c === undefined || c.c !== course.id)
      throw new NrpsRefusal("invalid_cursor", "The paging or since cursor is not valid for this context.");
    return c;
  };
  let cursor: PageCursor;
  if (page !== undefined) {
    const c = open(page);
    if (!isInt(c.a) || !isInt(c.m) || !isTime(c.t) || (c.dm !== undefined && !(isInt(c.dm) && isTime(c.dt))))
      throw new NrpsRefusal("invalid_cursor", "The paging cursor is not valid.");
    cursor = c as unknown as PageCursor;
  } else {
    const snapshot = { c: course.id, a: 0, m: await repo.latestMembershipChangeId(ctx.db), t: iso(now) };
    if (since === undefined) cursor = snapshot;
    else {
      const s = open(since) as Partial<SinceCursor>;
      if (!isInt(s.m) || !isTime(s.t))
        throw new NrpsRefusal("invalid_cursor", "The since cursor is not valid.");
      cursor = { ...snapshot, dm: s.m, dt: s.t };
    }
  }
  if (cursor.dt !== undefined) {
    const oldest = now.getTime() - MEMBERSHIP_CHANGE_RETENTION_DAYS * 86400_000;
    if (Date.parse(cursor.dt) < oldest)
      throw new NrpsRefusal(
        "since_too_old",
        `Changes are kept for ${MEMBERSHIP_CHANGE_RETENTION_DAYS} days; reload the full membership list.`,
      );
  }

  // The role filter (case 182): Instructor and Learner are the roles Pluto sends; any other matches no one.
  const requireAnyOf: (readonly string[])[] = [];
  let excludeRoles: readonly string[] | undefined;
  if (role === INSTRUCTOR_URI) requireAnyOf.push(INSTRUCTOR_ROLES);
  else if (role === LEARNER_URI) excludeRoles = INSTRUCTOR_ROLES;
  else if (role !== undefined) requireAnyOf.push([]);
  if (link !== undefined) requireAnyOf.push(link.visible ? LINK_ROLES : HIDDEN_LINK_ROLES);

  const rosterQuery = {
    courseId: course.id,
    now: iso(now),
    afterUserId: cursor.a,
    limit: limit + 1,
    requireAnyOf,
    excludeRoles,
  };
  let rows: repo.RosterRow[];
  let ids: number[];
  if (cursor.dm === undefined || cursor.dt === undefined) {
    rows = await repo.listRosterPage(ctx.db, rosterQuery);
    ids = rows.map((r) => r.userId);
  } else {
    ids = await repo.listChangedUserIds(ctx.db, {
      courseId: course.id,
      fromChangeId: cursor.dm,
      overlapFrom: iso(new Date(Date.parse(cursor.dt) - CHANGE_OVERLAP_SECONDS * 1000)),
      fromAt: cursor.dt,
      toAt: cursor.t,
      afterUserId: cursor.a,
      limit: limit + 1,
    });
    rows = await repo.listRosterPage(ctx.db, {
      ...rosterQuery,
      afterUserId: 0,
      userIds: ids.slice(0, limit),
    });
  }
  const more = ids.length > limit;
  ids = ids.slice(0, limit);

  const privacy = link
    ? (await resolveTool(ctx, readLtiSettings(link.settings))).privacy
    : { shareName: tool.shareName, shareEmail: tool.shareEmail };
  const customOf = link ? await customValues(ctx, course, link) : undefined;
  const byId = new Map(rows.map((r) => [r.userId, r]));
  const members: NrpsMember[] = ids.map((id) => {
    const userId = opaqueUserId(secret, id);
    const r = byId.get(id);
    // Gone from the course, or (with a filter) no longer in the filtered list: Deleted from the tool's copy.
    if (r === undefined) return { userId, roles: [], status: "Deleted" };
    const instructor = r.roles.some((x) => (INSTRUCTOR_ROLES as readonly string[]).includes(x));
    const m: NrpsMember = {
      userId,
      roles: lti13RoleUris([{ kind: "context", name: instructor ? "Instructor" : "Learner" }]),
      status: r.active ? "Active" : "Inactive",
    };
    if (privacy.shareName) {
      const full = `${r.firstname} ${r.lastname}`.trim();
      Object.assign(m, { name: full, givenName: r.firstname, familyName: r.lastname });
    }
    if (privacy.shareEmail) m.email = r.email;
    if (customOf) m.messages = [resourceLinkMessage(customOf(r, instructor, privacy.shareName))];
    return m;
  });

  const base = contextMembershipsUrl(ctx.config.publicUrl, course.id);
  const filters = { role, rlid, limit: single(req.query, "limit") === undefined ? undefined : limit };
  const last = ids.at(-1);
  const next =
    more && last !== undefined
      ? membershipPageUrl(base, { ...filters, page: sealCursor(key, { ...cursor, a: last }) })
      : undefined;
  const differences = membershipPageUrl(base, {
    ...filters,
    since: sealCursor(key, { c: course.id, m: cursor.m, t: cursor.t } satisfies SinceCursor),
  });
  const selfUrl = membershipPageUrl(base, {
    ...filters,
    page,
    since: page === undefined ? since : undefined,
  });
  return {
    body: buildMembershipContainer({
      id: selfUrl,
      context: { id: String(course.id), label: course.shortname, title: course.fullname },
      members,
    }),
    link: buildLinkHeader({ next, differences }),
    toolTypeId: tool.id,
  };
}

type CustomValuesOf = (r: repo.RosterRow, instructor: boolean, shareName: boolean) => Record<string, string>;

/**
 * The link's custom parameters as its launch would send them to each member: the same `$Variables`
 * substituted (lti13-launch.service.ts, lti13Launch) with the member's own values.
 */
async function customValues(ctx: AppContext, course: Course, link: Activity): Promise<CustomValuesOf> {
  const tool = await resolveTool(ctx, readLtiSettings(link.settings));
  const history = await launchHistory(ctx.db, { courseId: course.id, activityId: link.id });
  const custom = Object.entries(tool.custom);
  return (r, instructor, shareName) => {
    const subs: Substitutions = {
      ...history,
      "$User.username": shareName ? r.username : undefined,
      "$CourseSection.title": course.fullname,
      "$CourseSection.label": course.shortname,
      "$CourseSection.longDescription": course.summary,
      "$CourseOffering.title": course.fullname,
      "$CourseOffering.label": course.shortname,
      "$Membership.role": instructor ? "Instructor" : "Learner",
      "$Person.address.timezone": resolveTimeZone(r.timezone, ctx.config.timezone),
    };
    return Object.fromEntries(custom.map(([k, v]) => [k.trim(), substitute(v.trim(), subs).trim()]));
  };
}

/** Deletes the membership change log rows past the retention period (the cleanup task); returns how many. */
export function pruneMembershipChangeLog(ctx: Pick<AppContext, "db" | "clock">): Promise<number> {
  const before = new Date(ctx.clock.now().getTime() - MEMBERSHIP_CHANGE_RETENTION_DAYS * 86400_000);
  return pruneMembershipChanges(ctx.db, iso(before));
}
