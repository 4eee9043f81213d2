// Grade send claims on lti_provider_users, the row that records what was last sent for an LTI
// user: a run sends a user's grade only while it holds the row's lease, taken by a conditional
// UPDATE (compare-and-set, atomic on SQLite and PostgreSQL) and given back with the value it sent.
// Part of the provider's repository.

import type { ExpressionBuilder } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

export interface GradeClaim {
  /** unique per claim: names the node, and tells this claim from a later one on the same row */
  token: string;
  /** ISO time the lease ends */
  until: string;
  /** ISO time now: a lease that ended before it is free to take */
  now: string;
}

/** What a claimed row tells the sender, read at the moment of the claim. */
export interface ClaimedGradeUser {
  id: number;
  publicationId: number;
  userId: number;
  /** the LTI 1.1 consumer key of the user's deployment: what the grade is signed with */
  consumerKey: string;
  /** the LTI 1.3 platform registration of the user's deployment (whose token AGS takes); null for 1.1 */
  registrationId: number | null;
  /** the consumer's id of the user (LTI 1.3: the `sub` a score names) */
  remoteUserId: string;
  outcomeUrl: string | null;
  sourcedid: string | null;
  /** LTI 1.3: the AGS endpoint as stored (JSON) */
  agsEndpoint: string | null;
  lastGradeSent: number | null;
  /** the timestamp of the grade last sent (ISO): the next score's must be later (AGS §3.4.9) */
  lastGradeSentAt: string | null;
}

/**
 * The users of a publication that grades can be sent for: the consumer gave an outcome service (LTI 1.1)
 * or an AGS endpoint (LTI 1.3).
 */
export async function listGradeSyncUserIds(db: Db, publicationId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("lti_provider_users")
    .select("id")
    .where("publication_id", "=", publicationId)
    .where((eb) =>
      eb.or([
        eb.and([eb("outcome_url", "is not", null), eb("sourcedid", "is not", null)]),
        eb("ags_endpoint", "is not", null),
      ]),
    )
    .orderBy("id")
    .execute();
  return rows.map((r) => r.id);
}

const unclaimed = (now: string) => (eb: ExpressionBuilder<Database, "lti_provider_users">) =>
  eb.or([eb("grade_claimed_by", "is", null), eb("grade_claimed_until", "<", now)]);

/**
 * Claims those of `ids` that no one holds (or whose lease ended), in one statement; returns the
 * rows claimed. On PostgreSQL rows another statement is writing right now are passed over
 * (SKIP LOCKED) rather than waited for, so two runs claiming overlapping lists never deadlock.
 */
export async function claimGradeUsers(
  db: Db,
  ids: readonly number[],
  claim: GradeClaim,
  postgres: boolean,
): Promise<ClaimedGradeUser[]> {
  if (ids.length === 0) return [];
  const free = unclaimed(claim.now);
  let q = db
    .updateTable("lti_provider_users")
    .set({ grade_claimed_by: claim.token, grade_claimed_until: claim.until })
    .where(free);
  q = postgres
    ? q.where("id", "in", (eb) =>
        eb
          .selectFrom("lti_provider_users")
          .select("id")
          .where("id", "in", [...ids])
          .where(free)
          .forUpdate()
          .skipLocked(),
      )
    : q.where("id", "in", [...ids]);
  const rows = await q
    .returning((eb) => [
      "id",
      "publication_id",
      "user_id",
      eb
        .selectFrom("lti_deployments as d")
        .select("d.consumer_key")
        .whereRef("d.id", "=", "lti_provider_users.deployment_id")
        .as("consumer_key"),
      eb
        .selectFrom("lti_deployments as d")
        .select("d.registration_id")
        .whereRef("d.id", "=", "lti_provider_users.deployment_id")
        .as("registration_id"),
      "remote_user_id",
      "outcome_url",
      "sourcedid",
      "ags_endpoint",
      "last_grade_sent",
      "last_grade_sent_at",
    ])
    .execute();
  return rows
    .map((r) => ({
      id: r.id,
      publicationId: r.publication_id,
      userId: r.user_id,
      consumerKey: r.consumer_key ?? "",
      registrationId: r.registration_id ?? null,
      remoteUserId: r.remote_user_id,
      outcomeUrl: r.outcome_url,
      sourcedid: r.sourcedid,
      agsEndpoint: r.ags_endpoint,
      lastGradeSent: r.last_grade_sent,
      lastGradeSentAt: r.last_grade_sent_at,
    }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Records the grade the consumer accepted and gives the claim back, in one statement. The value is
 * recorded even when the lease ended meanwhile and another run holds the row: it was sent.
 */
export async function markGradeSent(
  db: Db,
  id: number,
  token: string,
  sent: { grade: number; at: string },
): Promise<void> {
  await db
    .updateTable("lti_provider_users")
    .set((eb) => ({
      last_grade_sent: sent.grade,
      last_grade_sent_at: sent.at,
      grade_claimed_by: eb
        .case()
        .when("grade_claimed_by", "=", token)
        .then(null)
        .else(eb.ref("grade_claimed_by"))
        .end(),
      grade_claimed_until: eb
        .case()
        .when("grade_claimed_by", "=", token)
        .then(null)
        .else(eb.ref("grade_claimed_until"))
        .end(),
    }))
    .where("id", "=", id)
    .execute();
}

/** Gives back the claims `token` still holds on `ids` (nothing was sent for them). */
export async function releaseGradeClaims(db: Db, ids: readonly number[], token: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("lti_provider_users")
    .set({ grade_claimed_by: null, grade_claimed_until: null })
    .where("id", "in", [...ids])
    .where("grade_claimed_by", "=", token)
    .execute();
}

/** Whether the row exists (a claim that took nothing either met another's lease or no row). */
export async function providerUserExists(db: Db, id: number): Promise<boolean> {
  const r = await db.selectFrom("lti_provider_users").select("id").where("id", "=", id).executeTakeFirst();
  return r !== undefined;
}
