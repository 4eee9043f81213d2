// Deployments: the remote party of an LTI exchange, as a row (lti_deployments; the schema is in
// src/db/schema-lti-common.ts). Provider side, a platform launching a publication: for LTI 1.1 one
// deployment per (publication, consumer key) the publication has seen, created by the first launch
// that verifies with the publication's secret. Consumer side, Pluto's deployment of a tool: one per
// site tool (created with it) and one per External tool activity with its own key (created when
// first used). Remote users, resource links, nonces and launch-log rows point at a deployment.
//
// Provider side, a deployment is also an account scope: a launch verified with a publication's
// secret reaches only the accounts linked through deployments of its scope — the deployment
// itself, or the group a site admin declared to be one consumer (account_scope_id names the
// group's first deployment; groups are flat, so the scope of a deployment is
// coalesce(account_scope_id, id)).
import type { Db } from "../../db/database.js";

/** What a deployment is a deployment of: the identity that finds (or creates) it. */
export type DeploymentOwner =
  /** Provider side, LTI 1.1: the consumer key a publication's launches are signed with. */
  | { publicationId: number; consumerKey: string }
  /** Consumer side: a site tool. */
  | { toolTypeId: number }
  /** Consumer side: an External tool activity with its own key and secret. */
  | { activityId: number };

function values(o: DeploymentOwner) {
  if ("consumerKey" in o)
    return { side: "provider" as const, publication_id: o.publicationId, consumer_key: o.consumerKey };
  if ("toolTypeId" in o) return { side: "consumer" as const, tool_type_id: o.toolTypeId };
  return { side: "consumer" as const, activity_id: o.activityId };
}

export async function findDeploymentId(db: Db, o: DeploymentOwner): Promise<number | undefined> {
  let q = db.selectFrom("lti_deployments").select("id");
  if ("consumerKey" in o)
    q = q.where("publication_id", "=", o.publicationId).where("consumer_key", "=", o.consumerKey);
  else if ("toolTypeId" in o) q = q.where("tool_type_id", "=", o.toolTypeId);
  else q = q.where("activity_id", "=", o.activityId);
  return (await q.executeTakeFirst())?.id;
}

/**
 * The deployment of `o`, created when there is none. A simultaneous first use creates it once: the
 * insert does nothing on the unique key, and the row is read back.
 */
export async function ensureDeployment(db: Db, o: DeploymentOwner, now: string): Promise<number> {
  const found = await findDeploymentId(db, o);
  if (found !== undefined) return found;
  const v = values(o);
  const conflict =
    "consumer_key" in v
      ? (["publication_id", "consumer_key"] as const)
      : "tool_type_id" in v
        ? (["tool_type_id"] as const)
        : (["activity_id"] as const);
  const r = await db
    .insertInto("lti_deployments")
    .values({ ...v, created_at: now })
    .onConflict((oc) => oc.columns([...conflict]).doNothing())
    .returning("id")
    .executeTakeFirst();
  if (r) return r.id;
  const id = await findDeploymentId(db, o);
  if (id === undefined) throw new Error("the deployment could not be stored");
  return id;
}

/** A provider-side LTI 1.1 deployment as the site admin's list of consumers shows it. */
export interface ProviderDeployment {
  id: number;
  /** Null when the publication was deleted (its remote users keep their links). */
  publicationId: number | null;
  consumerKey: string;
  /** The account scope: the first deployment of its group, or its own id. */
  accountScope: number;
  createdAt: string;
}

type ProviderRow = {
  id: number;
  publication_id: number | null;
  consumer_key: string | null;
  account_scope_id: number | null;
  created_at: string;
};

const toProviderDeployment = (r: ProviderRow): ProviderDeployment => ({
  id: r.id,
  publicationId: r.publication_id,
  consumerKey: r.consumer_key ?? "",
  accountScope: r.account_scope_id ?? r.id,
  createdAt: r.created_at,
});

const PROVIDER_COLUMNS = ["id", "publication_id", "consumer_key", "account_scope_id", "created_at"] as const;

/** Every provider-side LTI 1.1 deployment, by consumer key, then oldest first. */
export async function listProviderDeployments(db: Db): Promise<ProviderDeployment[]> {
  const rows = await db
    .selectFrom("lti_deployments")
    .select(PROVIDER_COLUMNS)
    .where("side", "=", "provider")
    .where("consumer_key", "is not", null)
    .orderBy("consumer_key")
    .orderBy("id")
    .execute();
  return rows.map(toProviderDeployment);
}

export async function findProviderDeployment(db: Db, id: number): Promise<ProviderDeployment | undefined> {
  const r = await db
    .selectFrom("lti_deployments")
    .select(PROVIDER_COLUMNS)
    .where("id", "=", id)
    .where("side", "=", "provider")
    .where("consumer_key", "is not", null)
    .executeTakeFirst();
  return r ? toProviderDeployment(r) : undefined;
}

/** Puts the whole scope `from` (its first deployment and its members) into the scope `into`. */
export async function mergeScopes(db: Db, from: number, into: number): Promise<void> {
  await db
    .updateTable("lti_deployments")
    .set({ account_scope_id: into })
    .where((eb) => eb.or([eb("id", "=", from), eb("account_scope_id", "=", from)]))
    .execute();
}

/**
 * Takes deployment `id` out of its group: it becomes its own scope again. When it was the group's
 * first deployment, the next oldest member heads the others.
 */
export async function leaveScope(db: Db, id: number): Promise<void> {
  const members = await db
    .selectFrom("lti_deployments")
    .select("id")
    .where("account_scope_id", "=", id)
    .orderBy("id")
    .execute();
  const [head, ...rest] = members;
  if (head) {
    await db
      .updateTable("lti_deployments")
      .set({ account_scope_id: null })
      .where("id", "=", head.id)
      .execute();
    if (rest.length > 0)
      await db
        .updateTable("lti_deployments")
        .set({ account_scope_id: head.id })
        .where(
          "id",
          "in",
          rest.map((m) => m.id),
        )
        .execute();
  }
  await db.updateTable("lti_deployments").set({ account_scope_id: null }).where("id", "=", id).execute();
}

// --- LTI 1.3 registrations (lti_registrations) -------------------------------------------------

/** A tool registered with a site tool (consumer side): Pluto issued its client_id. */
export interface ToolRegistration {
  id: number;
  toolTypeId: number;
  issuer: string;
  clientId: string;
  initiateLoginUrl: string;
  /** As registered, in order. */
  redirectUris: string[];
  publicKeyType: "keyset" | "key";
  publicKeysetUrl: string;
  publicKey: string;
  status: "active" | "pending";
  /** The tool offers content selection (Deep Linking) at deepLinkingUrl. */
  deepLinking: boolean;
  /** The Content selection URL: the target_link_uri of Deep Linking requests. */
  deepLinkingUrl: string;
  /** The deployment_id Pluto issued with it (its site tool's deployment). */
  deploymentId: string;
  createdAt: string;
  /** A dynamically registered tool's request as accepted (JSON), or "" for a tool registered by hand. */
  registrationRequest: string;
  /**
   * The services the site admin lets the tool use: Assignment and Grade Services (its scopes also need
   * the tool's "Accept grades") and Names and Role Provisioning Services.
   */
  services: ToolServices;
}

export interface ToolServices {
  ags: boolean;
  nrps: boolean;
}

export type ToolRegistrationFields = Pick<
  ToolRegistration,
  | "initiateLoginUrl"
  | "redirectUris"
  | "publicKeyType"
  | "publicKeysetUrl"
  | "publicKey"
  | "deepLinking"
  | "deepLinkingUrl"
  | "services"
>;

function registrationQuery(db: Db) {
  return db
    .selectFrom("lti_registrations as r")
    .innerJoin("lti_deployments as d", "d.registration_id", "r.id")
    .select([
      "r.id",
      "r.tool_type_id",
      "r.issuer",
      "r.client_id",
      "r.initiate_login_url",
      "r.redirect_uris",
      "r.public_key_type",
      "r.public_keyset_url",
      "r.public_key",
      "r.status",
      "r.deep_linking",
      "r.deep_linking_url",
      "r.registration_request",
      "r.service_ags",
      "r.service_nrps",
      "r.created_at",
      "d.deployment_id",
    ])
    .where("r.side", "=", "consumer");
}

type RegistrationRow = Awaited<ReturnType<ReturnType<typeof registrationQuery>["executeTakeFirstOrThrow"]>>;

function toRegistration(r: RegistrationRow): ToolRegistration {
  return {
    id: r.id,
    toolTypeId: r.tool_type_id ?? 0,
    issuer: r.issuer,
    clientId: r.client_id,
    initiateLoginUrl: r.initiate_login_url,
    redirectUris: r.redirect_uris === "" ? [] : r.redirect_uris.split("\n"),
    publicKeyType: r.public_key_type === "key" ? "key" : "keyset",
    publicKeysetUrl: r.public_keyset_url,
    publicKey: r.public_key,
    status: r.status === "pending" ? "pending" : "active",
    deepLinking: r.deep_linking === 1,
    deepLinkingUrl: r.deep_linking_url,
    deploymentId: r.deployment_id ?? "",
    createdAt: r.created_at,
    registrationRequest: r.registration_request,
    services: { ags: r.service_ags === 1, nrps: r.service_nrps === 1 },
  };
}

export async function findToolRegistration(
  db: Db,
  by: { toolTypeId: number } | { clientId: string },
): Promise<ToolRegistration | undefined> {
  const q = registrationQuery(db);
  const r = await ("toolTypeId" in by
    ? q.where("r.tool_type_id", "=", by.toolTypeId)
    : q.where("r.client_id", "=", by.clientId)
  ).executeTakeFirst();
  return r ? toRegistration(r) : undefined;
}

export async function listToolRegistrations(db: Db): Promise<ToolRegistration[]> {
  return (await registrationQuery(db).orderBy("r.id").execute()).map(toRegistration);
}

/**
 * Registers a tool with a site tool and makes the site tool's deployment (created with it) the
 * LTI 1.3 deployment `deploymentId` under the registration.
 */
export async function insertToolRegistration(
  db: Db,
  v: ToolRegistrationFields & {
    toolTypeId: number;
    issuer: string;
    clientId: string;
    deploymentId: string;
    status: "active" | "pending";
    registrationRequest?: string;
  },
  now: string,
): Promise<void> {
  const r = await db
    .insertInto("lti_registrations")
    .values({
      side: "consumer",
      tool_type_id: v.toolTypeId,
      issuer: v.issuer,
      client_id: v.clientId,
      initiate_login_url: v.initiateLoginUrl,
      redirect_uris: v.redirectUris.join("\n"),
      public_key_type: v.publicKeyType,
      public_keyset_url: v.publicKeysetUrl,
      public_key: v.publicKey,
      status: v.status,
      deep_linking: v.deepLinking ? 1 : 0,
      deep_linking_url: v.deepLinkingUrl,
      registration_request: v.registrationRequest ?? "",
      service_ags: v.services.ags ? 1 : 0,
      service_nrps: v.services.nrps ? 1 : 0,
      created_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const deployment = await ensureDeployment(db, { toolTypeId: v.toolTypeId }, now);
  await db
    .updateTable("lti_deployments")
    .set({ registration_id: r.id, deployment_id: v.deploymentId })
    .where("id", "=", deployment)
    .execute();
}

export async function updateToolRegistration(
  db: Db,
  toolTypeId: number,
  v: Partial<ToolRegistrationFields & { status: "active" | "pending" }>,
): Promise<void> {
  const set: Record<string, string | number> = {};
  if (v.initiateLoginUrl !== undefined) set.initiate_login_url = v.initiateLoginUrl;
  if (v.redirectUris !== undefined) set.redirect_uris = v.redirectUris.join("\n");
  if (v.publicKeyType !== undefined) set.public_key_type = v.publicKeyType;
  if (v.publicKeysetUrl !== undefined) set.public_keyset_url = v.publicKeysetUrl;
  if (v.publicKey !== undefined) set.public_key = v.publicKey;
  if (v.status !== undefined) set.status = v.status;
  if (v.deepLinking !== undefined) set.deep_linking = v.deepLinking ? 1 : 0;
  if (v.deepLinkingUrl !== undefined) set.deep_linking_url = v.deepLinkingUrl;
  if (v.services !== undefined) {
    set.service_ags = v.services.ags ? 1 : 0;
    set.service_nrps = v.services.nrps ? 1 : 0;
  }
  if (Object.keys(set).length === 0) return;
  await db
    .updateTable("lti_registrations")
    .set(set)
    .where("side", "=", "consumer")
    .where("tool_type_id", "=", toolTypeId)
    .execute();
}

/**
 * Moves site tool `from`'s registration (its client_id, and the deployment_id under it) onto site tool
 * `to`'s deployment, created when `to` has none: a dynamically registered tool that upgrades an existing
 * one. `from`'s deployment is left without a registration (it goes with its tool).
 */
export async function moveToolRegistration(db: Db, from: number, to: number, now: string): Promise<void> {
  const d = await db
    .selectFrom("lti_deployments")
    .select(["id", "registration_id", "deployment_id"])
    .where("tool_type_id", "=", from)
    .executeTakeFirst();
  if (!d || d.registration_id === null || d.deployment_id === null)
    throw new Error("the site tool has no registration to move");
  await db
    .updateTable("lti_deployments")
    .set({ registration_id: null, deployment_id: null })
    .where("id", "=", d.id)
    .execute();
  await db
    .updateTable("lti_registrations")
    .set({ tool_type_id: to })
    .where("id", "=", d.registration_id)
    .where("side", "=", "consumer")
    .execute();
  const target = await ensureDeployment(db, { toolTypeId: to }, now);
  await db
    .updateTable("lti_deployments")
    .set({ registration_id: d.registration_id, deployment_id: d.deployment_id })
    .where("id", "=", target)
    .execute();
}
