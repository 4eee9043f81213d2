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
