// lti_platforms: an LTI Advantage platform's details (name, endpoints, status), one row per
// provider-side registration (lti-common's lti_registrations, which holds its issuer and client_id).
import type { Db } from "../../../db/database.js";

export interface PlatformDetailsRow {
  registrationId: number;
  name: string;
  authenticationRequestUrl: string;
  accessTokenUrl: string;
  publicKeysetUrl: string;
  authorizationServer: string;
  status: "active" | "pending";
  createdAt: string;
  updatedAt: string;
}

export type PlatformDetailsFields = Omit<PlatformDetailsRow, "registrationId" | "createdAt" | "updatedAt">;

type Row = {
  registration_id: number;
  name: string;
  authentication_request_url: string;
  access_token_url: string;
  public_keyset_url: string;
  authorization_server: string;
  status: string;
  created_at: string;
  updated_at: string;
};

const toDetails = (r: Row): PlatformDetailsRow => ({
  registrationId: r.registration_id,
  name: r.name,
  authenticationRequestUrl: r.authentication_request_url,
  accessTokenUrl: r.access_token_url,
  publicKeysetUrl: r.public_keyset_url,
  authorizationServer: r.authorization_server,
  status: r.status === "active" ? "active" : "pending",
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const columns = (v: PlatformDetailsFields) => ({
  name: v.name,
  authentication_request_url: v.authenticationRequestUrl,
  access_token_url: v.accessTokenUrl,
  public_keyset_url: v.publicKeysetUrl,
  authorization_server: v.authorizationServer,
  status: v.status,
});

export async function findPlatformDetails(
  db: Db,
  registrationId: number,
): Promise<PlatformDetailsRow | undefined> {
  const r = await db
    .selectFrom("lti_platforms")
    .selectAll()
    .where("registration_id", "=", registrationId)
    .executeTakeFirst();
  return r ? toDetails(r) : undefined;
}

/** Every platform, by name, then oldest first. */
export async function listPlatformDetails(db: Db): Promise<PlatformDetailsRow[]> {
  const rows = await db
    .selectFrom("lti_platforms")
    .selectAll()
    .orderBy("name")
    .orderBy("registration_id")
    .execute();
  return rows.map(toDetails);
}

/** Whether any platform is Active (can launch). */
export async function hasActivePlatform(db: Db): Promise<boolean> {
  const r = await db
    .selectFrom("lti_platforms")
    .select("registration_id")
    .where("status", "=", "active")
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertPlatformDetails(
  db: Db,
  registrationId: number,
  v: PlatformDetailsFields,
  now: string,
): Promise<void> {
  await db
    .insertInto("lti_platforms")
    .values({ registration_id: registrationId, ...columns(v), created_at: now, updated_at: now })
    .execute();
}

export async function updatePlatformDetails(
  db: Db,
  registrationId: number,
  v: PlatformDetailsFields,
  now: string,
): Promise<void> {
  await db
    .updateTable("lti_platforms")
    .set({ ...columns(v), updated_at: now })
    .where("registration_id", "=", registrationId)
    .execute();
}

export async function deletePlatformDetails(db: Db, registrationId: number): Promise<void> {
  await db.deleteFrom("lti_platforms").where("registration_id", "=", registrationId).execute();
}

/** An Active platform with its issuer, client_id and deployments, as a login or launch reads it. */
export interface LaunchPlatformRow {
  registrationId: number;
  issuer: string;
  clientId: string;
  authenticationRequestUrl: string;
  publicKeysetUrl: string;
  /** lti_deployments rows of the registration (id, deployment_id), in id order. */
  deployments: Array<{ id: number; deploymentId: string }>;
}

/**
 * The Active platforms of an issuer, or the one of a registration, in ONE query: the details here, the
 * registration's issuer and client_id and its deployments (lti-common's rows, read with them). Every login
 * and every launch reads this.
 */
export async function findLaunchPlatformRows(
  db: Db,
  which: { issuer: string } | { id: number },
): Promise<LaunchPlatformRow[]> {
  let q = db
    .selectFrom("lti_platforms as p")
    .innerJoin("lti_registrations as r", "r.id", "p.registration_id")
    .leftJoin("lti_deployments as d", "d.registration_id", "r.id")
    .select([
      "r.id as registration_id",
      "r.issuer",
      "r.client_id",
      "p.authentication_request_url",
      "p.public_keyset_url",
      "d.id as d_id",
      "d.deployment_id",
    ])
    .where("p.status", "=", "active");
  // By issuer through the unique index on (publication_id, issuer, client_id): an Active platform is a
  // site-wide registration, of no publication.
  q =
    "id" in which
      ? q.where("r.id", "=", which.id)
      : q.where("r.publication_id", "is", null).where("r.issuer", "=", which.issuer);
  const rows = await q.orderBy("r.id").orderBy("d.id").execute();
  const out: LaunchPlatformRow[] = [];
  for (const r of rows) {
    let p = out.at(-1);
    if (p?.registrationId !== r.registration_id) {
      p = {
        registrationId: r.registration_id,
        issuer: r.issuer,
        clientId: r.client_id,
        authenticationRequestUrl: r.authentication_request_url,
        publicKeysetUrl: r.public_keyset_url,
        deployments: [],
      };
      out.push(p);
    }
    if (r.d_id !== null && r.deployment_id !== null)
      p.deployments.push({ id: r.d_id, deploymentId: r.deployment_id });
  }
  return out;
}
