// The LTI 1.3 services a site tool may use, as the admin's switches on its registration: "IMS LTI
// Assignment and Grade Services" (service_ags; its scopes are granted only while "Accept grades from the
// tool" is on too) and "IMS LTI Names and Role Provisioning" (service_nrps). Until now the token
// endpoint inferred them: every tool registered by hand could have both (so both start on), and a
// dynamically registered tool only what it asked for (so its switches start as its request's scopes).
import { sql } from "kysely";
import { type Db, flag } from "./helpers.js";

const AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/";

/** The scopes a stored registration request names, granted and dropped alike (as the token endpoint read them). */
function requestedScopes(json: string): string[] {
  try {
    const req = JSON.parse(json) as { scopes?: unknown; droppedScopes?: unknown };
    const list = (v: unknown) =>
      Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
    return [...list(req.scopes), ...list(req.droppedScopes)];
  } catch {
    return [];
  }
}

export async function up(db: Db): Promise<void> {
  await db.schema.alterTable("lti_registrations").addColumn("service_ags", "integer", flag(1)).execute();
  await db.schema.alterTable("lti_registrations").addColumn("service_nrps", "integer", flag(1)).execute();
  const { rows } = await sql<{ id: number; registration_request: string }>`
    select id, registration_request from lti_registrations
    where side = 'consumer' and registration_request <> ''`.execute(db);
  for (const r of rows) {
    const scopes = requestedScopes(r.registration_request);
    const ags = scopes.some((s) => s.startsWith(AGS)) ? 1 : 0;
    const nrps = scopes.some((s) => s.startsWith(NRPS)) ? 1 : 0;
    await sql`update lti_registrations set service_ags = ${ags}, service_nrps = ${nrps}
      where id = ${r.id}`.execute(db);
  }
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable("lti_registrations").dropColumn("service_nrps").execute();
  await db.schema.alterTable("lti_registrations").dropColumn("service_ags").execute();
}
