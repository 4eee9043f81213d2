// Publications (lti_publications, one per "Publish as LTI tool" instance) and the remote users each
// has served (lti_provider_users). Grade claims on lti_provider_users (grade-sync/) and resource links
// (launch/) have repositories of their own, re-exported at the end (accounts/ and hand-offs have theirs too).

import { type Selectable, sql } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

export type MemberSyncMode = "enrol_and_unenrol" | "enrol_new" | "unenrol_missing";

export interface UserDefaults {
  country: string;
  city: string;
  timezone: string;
  lang: string;
  institution: string;
}

export interface Publication {
  id: number;
  instanceId: number;
  uuid: string;
  courseId: number;
  activityId: number | null;
  /** "1.1" (Legacy LTI) or "1.3" (LTI Advantage): which launches may select the publication. */
  ltiVersion: "1.1" | "1.3";
  /** The LTI 1.1 shared secret; kept, unused, by an LTI Advantage publication. */
  secret: string;
  gradeSync: boolean;
  gradeSyncCompletion: boolean;
  memberSync: boolean;
  memberSyncMode: MemberSyncMode;
  roleInstructor: string;
  roleLearner: string;
  defaults: UserDefaults;
}

export const EMPTY_DEFAULTS: UserDefaults = {
  country: "",
  city: "",
  timezone: "",
  lang: "",
  institution: "",
};

/** An lti_publications row as the mapper reads it (its timestamps are not part of a Publication). */
export type PublicationRow = Omit<Selectable<Database["lti_publications"]>, "created_at" | "updated_at">;

/** A publication from its row; also composed by the launch read model (launch/launch.repository.ts). */
export function toPublication(r: PublicationRow): Publication {
  let defaults = EMPTY_DEFAULTS;
  try {
    defaults = { ...EMPTY_DEFAULTS, ...(JSON.parse(r.defaults) as Partial<UserDefaults>) };
  } catch {
    defaults = EMPTY_DEFAULTS;
  }
  return {
    id: r.id,
    instanceId: r.instance_id,
    uuid: r.uuid,
    courseId: r.course_id,
    activityId: r.activity_id,
    ltiVersion: r.lti_version === "1.3" ? "1.3" : "1.1",
    secret: r.secret,
    gradeSync: r.grade_sync === 1,
    gradeSyncCompletion: r.grade_sync_completion === 1,
    memberSync: r.member_sync === 1,
    memberSyncMode: r.member_sync_mode as MemberSyncMode,
    roleInstructor: r.role_instructor,
    roleLearner: r.role_learner,
    defaults,
  };
}

export type PublicationValues = Omit<Publication, "id" | "uuid" | "instanceId" | "courseId">;

export async function findPublicationByInstance(
  db: Db,
  instanceId: number,
): Promise<Publication | undefined> {
  const r = await db
    .selectFrom("lti_publications")
    .selectAll()
    .where("instance_id", "=", instanceId)
    .executeTakeFirst();
  return r ? toPublication(r) : undefined;
}

export async function findPublicationByUuid(db: Db, uuid: string): Promise<Publication | undefined> {
  const r = await db.selectFrom("lti_publications").selectAll().where("uuid", "=", uuid).executeTakeFirst();
  return r ? toPublication(r) : undefined;
}

export async function findPublication(db: Db, id: number): Promise<Publication | undefined> {
  const r = await db.selectFrom("lti_publications").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toPublication(r) : undefined;
}

export async function listPublications(
  db: Db,
  filter: { courseId?: number; gradeSync?: boolean; memberSync?: boolean } = {},
): Promise<Publication[]> {
  let q = db.selectFrom("lti_publications").selectAll().orderBy("id");
  if (filter.courseId !== undefined) q = q.where("course_id", "=", filter.courseId);
  if (filter.gradeSync !== undefined) q = q.where("grade_sync", "=", filter.gradeSync ? 1 : 0);
  if (filter.memberSync !== undefined) q = q.where("member_sync", "=", filter.memberSync ? 1 : 0);
  return (await q.execute()).map(toPublication);
}

/** The grade-syncing publications of a course: asked on every grade change, so an SQL text. */
export async function listGradeSyncPublications(db: Db, courseId: number): Promise<Publication[]> {
  const { rows } = await sql<Selectable<Database["lti_publications"]>>`select * from lti_publications
    where course_id = ${courseId} and grade_sync = 1 order by id`.execute(db);
  return rows.map(toPublication);
}

export async function insertPublication(
  db: Db,
  v: PublicationValues & { instanceId: number; uuid: string; courseId: number; now: string },
): Promise<Publication> {
  const r = await db
    .insertInto("lti_publications")
    .values({
      instance_id: v.instanceId,
      uuid: v.uuid,
      course_id: v.courseId,
      activity_id: v.activityId,
      lti_version: v.ltiVersion,
      secret: v.secret,
      grade_sync: v.gradeSync ? 1 : 0,
      grade_sync_completion: v.gradeSyncCompletion ? 1 : 0,
      member_sync: v.memberSync ? 1 : 0,
      member_sync_mode: v.memberSyncMode,
      role_instructor: v.roleInstructor,
      role_learner: v.roleLearner,
      defaults: JSON.stringify(v.defaults),
      created_at: v.now,
      updated_at: v.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPublication(r);
}

export async function updatePublication(
  db: Db,
  id: number,
  v: Partial<PublicationValues> & { now: string },
): Promise<void> {
  await db
    .updateTable("lti_publications")
    .set({
      ...(v.ltiVersion !== undefined ? { lti_version: v.ltiVersion } : {}),
      ...(v.activityId !== undefined ? { activity_id: v.activityId } : {}),
      ...(v.secret !== undefined ? { secret: v.secret } : {}),
      ...(v.gradeSync !== undefined ? { grade_sync: v.gradeSync ? 1 : 0 } : {}),
      ...(v.gradeSyncCompletion !== undefined
        ? { grade_sync_completion: v.gradeSyncCompletion ? 1 : 0 }
        : {}),
      ...(v.memberSync !== undefined ? { member_sync: v.memberSync ? 1 : 0 } : {}),
      ...(v.memberSyncMode !== undefined ? { member_sync_mode: v.memberSyncMode } : {}),
      ...(v.roleInstructor !== undefined ? { role_instructor: v.roleInstructor } : {}),
      ...(v.roleLearner !== undefined ? { role_learner: v.roleLearner } : {}),
      ...(v.defaults !== undefined ? { defaults: JSON.stringify(v.defaults) } : {}),
      updated_at: v.now,
    })
    .where("id", "=", id)
    .execute();
}

// --- remote users -------------------------------------------------------------------------

export interface ProviderUser {
  id: number;
  publicationId: number;
  userId: number;
  deploymentId: number;
  remoteUserId: string;
  outcomeUrl: string | null;
  sourcedid: string | null;
  /** LTI 1.3: the AGS endpoint as stored (JSON; `readAgsService` reads it). */
  agsEndpoint: string | null;
  lastGradeSent: number | null;
  lastGradeSentAt: string | null;
  lastLaunchAt: string | null;
}

function toProviderUser(r: Selectable<Database["lti_provider_users"]>): ProviderUser {
  return {
    id: r.id,
    publicationId: r.publication_id,
    userId: r.user_id,
    deploymentId: r.deployment_id,
    remoteUserId: r.remote_user_id,
    outcomeUrl: r.outcome_url,
    sourcedid: r.sourcedid,
    agsEndpoint: r.ags_endpoint,
    lastGradeSent: r.last_grade_sent,
    lastGradeSentAt: r.last_grade_sent_at,
    lastLaunchAt: r.last_launch_at,
  };
}

export async function upsertProviderUser(
  db: Db,
  v: {
    publicationId: number;
    userId: number;
    deploymentId: number;
    remoteUserId: string;
    outcomeUrl: string | null;
    sourcedid: string | null;
    /** LTI 1.3: the AGS endpoint's JSON; null keeps the one recorded before, like the outcome URL. */
    agsEndpoint: string | null;
    launchedAt: string | null;
    now: string;
  },
): Promise<void> {
  await db
    .insertInto("lti_provider_users")
    .values({
      publication_id: v.publicationId,
      user_id: v.userId,
      deployment_id: v.deploymentId,
      remote_user_id: v.remoteUserId,
      outcome_url: v.outcomeUrl,
      sourcedid: v.sourcedid,
      ags_endpoint: v.agsEndpoint,
      last_launch_at: v.launchedAt,
      created_at: v.now,
    })
    .onConflict((oc) =>
      oc.columns(["publication_id", "user_id"]).doUpdateSet({
        deployment_id: v.deploymentId,
        remote_user_id: v.remoteUserId,
        // A launch without a grade service keeps the one recorded before; one with a service of the other
        // LTI version (a platform that upgraded from 1.1) replaces it.
        ...(v.outcomeUrl ? { outcome_url: v.outcomeUrl, sourcedid: v.sourcedid, ags_endpoint: null } : {}),
        ...(v.agsEndpoint ? { ags_endpoint: v.agsEndpoint, outcome_url: null, sourcedid: null } : {}),
        ...(v.launchedAt ? { last_launch_at: v.launchedAt } : {}),
      }),
    )
    .execute();
}

export async function findProviderUser(
  db: Db,
  publicationId: number,
  userId: number,
): Promise<ProviderUser | undefined> {
  const r = await db
    .selectFrom("lti_provider_users")
    .selectAll()
    .where("publication_id", "=", publicationId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return r ? toProviderUser(r) : undefined;
}

export async function listProviderUsers(
  db: Db,
  publicationId: number,
  filter: { deploymentId?: number; userIds?: number[] } = {},
): Promise<ProviderUser[]> {
  let q = db
    .selectFrom("lti_provider_users")
    .selectAll()
    .where("publication_id", "=", publicationId)
    .orderBy("id");
  if (filter.deploymentId !== undefined) q = q.where("deployment_id", "=", filter.deploymentId);
  if (filter.userIds) {
    if (filter.userIds.length === 0) return [];
    q = q.where("user_id", "in", filter.userIds);
  }
  return (await q.execute()).map(toProviderUser);
}

export async function deleteProviderUser(db: Db, publicationId: number, userId: number): Promise<void> {
  await db
    .deleteFrom("lti_provider_users")
    .where("publication_id", "=", publicationId)
    .where("user_id", "=", userId)
    .execute();
}

/** How many remote users came through each deployment given. */
export async function countProviderUsers(
  db: Db,
  deploymentIds: readonly number[],
): Promise<Map<number, number>> {
  if (deploymentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("lti_provider_users")
    .select(["deployment_id", (eb) => eb.fn.countAll().as("n")])
    .where("deployment_id", "in", deploymentIds)
    .groupBy("deployment_id")
    .execute();
  return new Map(rows.map((r) => [r.deployment_id, Number(r.n)]));
}

export * from "../grade-sync/grade-claims.repository.js";
export * from "../launch/resource-links.repository.js";
