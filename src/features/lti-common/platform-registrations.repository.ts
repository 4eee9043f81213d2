// Provider-side LTI 1.3 registrations (Pluto is the tool): a platform registered with the site, as a
// lti_registrations row (issuer, client_id; publication_id null) with its deployment ids as
// lti_deployments rows. The platform's name, endpoints and status are lti-provider's (lti_platforms);
// status is mirrored here so a lookup by (issuer, client_id) alone never takes a Pending platform for
// an active one. "" is an issuer or client_id not given yet.
import type { Db } from "../../db/database.js";

export interface PlatformRegistration {
  id: number;
  issuer: string;
  clientId: string;
  status: "active" | "pending";
  createdAt: string;
}

export interface PlatformDeployment {
  /** The lti_deployments row. */
  id: number;
  registrationId: number;
  /** The platform's deployment_id, as it sends it. */
  deploymentId: string;
  createdAt: string;
}

const site = (db: Db) =>
  db
    .selectFrom("lti_registrations")
    .select(["id", "issuer", "client_id", "status", "created_at"])
    .where("side", "=", "provider")
    .where("publication_id", "is", null);

type Row = { id: number; issuer: string; client_id: string; status: string; created_at: string };
const toRegistration = (r: Row): PlatformRegistration => ({
  id: r.id,
  issuer: r.issuer,
  clientId: r.client_id,
  status: r.status === "active" ? "active" : "pending",
  createdAt: r.created_at,
});

export async function findPlatformRegistration(
  db: Db,
  id: number,
): Promise<PlatformRegistration | undefined> {
  const r = await site(db).where("id", "=", id).executeTakeFirst();
  return r ? toRegistration(r) : undefined;
}

/** The site's platform registrations among `ids`. */
export async function listPlatformRegistrations(
  db: Db,
  ids: readonly number[],
): Promise<PlatformRegistration[]> {
  if (ids.length === 0) return [];
  return (await site(db).where("id", "in", ids).execute()).map(toRegistration);
}

/** The registration of (issuer, clientId) other than `exceptId`, if any (both must be non-empty). */
export async function findPlatformRegistrationByIdentity(
  db: Db,
  issuer: string,
  clientId: string,
  exceptId?: number,
): Promise<PlatformRegistration | undefined> {
  let q = site(db).where("issuer", "=", issuer).where("client_id", "=", clientId);
  if (exceptId !== undefined) q = q.where("id", "<>", exceptId);
  const r = await q.executeTakeFirst();
  return r ? toRegistration(r) : undefined;
}

export async function insertPlatformRegistration(
  db: Db,
  v: { issuer: string; clientId: string; status: "active" | "pending" },
  now: string,
): Promise<number> {
  const r = await db
    .insertInto("lti_registrations")
    .values({ side: "provider", issuer: v.issuer, client_id: v.clientId, status: v.status, created_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  return r.id;
}

export async function updatePlatformRegistration(
  db: Db,
  id: number,
  v: { issuer: string; clientId: string; status: "active" | "pending" },
): Promise<void> {
  await db
    .updateTable("lti_registrations")
    .set({ issuer: v.issuer, client_id: v.clientId, status: v.status })
    .where("id", "=", id)
    .where("side", "=", "provider")
    .execute();
}

/** Deletes the registration and, by cascade, its deployments (the caller checked they are unused). */
export async function deletePlatformRegistration(db: Db, id: number): Promise<void> {
  await db
    .deleteFrom("lti_registrations")
    .where("id", "=", id)
    .where("side", "=", "provider")
    .where("publication_id", "is", null)
    .execute();
}

/**
 * The deployments of the registrations given, oldest first. With `lock` (PostgreSQL) the rows stay
 * locked until the transaction ends, so no launch can start using one while it is being removed.
 */
export async function listPlatformDeployments(
  db: Db,
  registrationIds: readonly number[],
  lock = false,
): Promise<PlatformDeployment[]> {
  if (registrationIds.length === 0) return [];
  let q = db
    .selectFrom("lti_deployments")
    .select(["id", "registration_id", "deployment_id", "created_at"])
    .where("side", "=", "provider")
    .where("registration_id", "in", registrationIds)
    .orderBy("id");
  if (lock) q = q.forUpdate();
  return (await q.execute()).map((r) => ({
    id: r.id,
    registrationId: r.registration_id ?? 0,
    deploymentId: r.deployment_id ?? "",
    createdAt: r.created_at,
  }));
}

/** Adds deployment `deploymentId` under the registration; undefined when it is there already. */
export async function insertPlatformDeployment(
  db: Db,
  registrationId: number,
  deploymentId: string,
  now: string,
): Promise<number | undefined> {
  const r = await db
    .insertInto("lti_deployments")
    .values({
      side: "provider",
      registration_id: registrationId,
      deployment_id: deploymentId,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(["registration_id", "deployment_id"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return r?.id;
}

export async function deletePlatformDeployment(db: Db, registrationId: number, id: number): Promise<void> {
  await db
    .deleteFrom("lti_deployments")
    .where("id", "=", id)
    .where("registration_id", "=", registrationId)
    .where("side", "=", "provider")
    .execute();
}
