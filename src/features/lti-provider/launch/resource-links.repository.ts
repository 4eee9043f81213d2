// The resource links consumers launch from, with the service URLs they sent (memberships,
// outcomes, return), each under the deployment (lti_deployments) it belongs to. Part of the
// provider's repository.

import { type Selectable, sql } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Database } from "../../../db/schema.js";

export interface ResourceLink {
  id: number;
  publicationId: number;
  deploymentId: number;
  resourceLinkId: string;
  contextId: string;
  contextTitle: string;
  title: string;
  membershipsUrl: string | null;
  membershipsId: string | null;
  outcomeUrl: string | null;
  returnUrl: string | null;
  /** LTI 1.3: the NRPS context memberships URL. */
  nrpsUrl: string | null;
}

export async function upsertResourceLink(
  db: Db,
  v: Omit<ResourceLink, "id"> & { now: string },
): Promise<void> {
  const values = {
    context_id: v.contextId,
    context_title: v.contextTitle,
    title: v.title,
    memberships_url: v.membershipsUrl,
    memberships_id: v.membershipsId,
    outcome_url: v.outcomeUrl,
    return_url: v.returnUrl,
    nrps_url: v.nrpsUrl,
    updated_at: v.now,
  };
  // A later launch without service URLs (e.g. a learner's, where consumers often omit the
  // memberships service) keeps the ones recorded before.
  const changes = Object.fromEntries(Object.entries(values).filter(([, x]) => x !== null && x !== ""));
  await db
    .insertInto("lti_resource_links")
    .values({
      publication_id: v.publicationId,
      deployment_id: v.deploymentId,
      resource_link_id: v.resourceLinkId,
      created_at: v.now,
      ...values,
    })
    .onConflict((oc) => oc.columns(["deployment_id", "resource_link_id"]).doUpdateSet(changes))
    .execute();
}

/** An lti_resource_links row as the mapper reads it (sync and audit columns are not part of a ResourceLink). */
export type ResourceLinkRow = Omit<
  Selectable<Database["lti_resource_links"]>,
  "last_member_sync_at" | "created_at" | "updated_at"
>;

/** A resource link from its row; also composed by the launch read model (launch.repository.ts). */
export function toResourceLink(r: ResourceLinkRow): ResourceLink {
  return {
    id: r.id,
    publicationId: r.publication_id,
    deploymentId: r.deployment_id,
    resourceLinkId: r.resource_link_id,
    contextId: r.context_id,
    contextTitle: r.context_title,
    title: r.title,
    membershipsUrl: r.memberships_url,
    membershipsId: r.memberships_id,
    outcomeUrl: r.outcome_url,
    returnUrl: r.return_url,
    nrpsUrl: r.nrps_url,
  };
}

/**
 * A resource link with the LTI 1.1 consumer key of its deployment (what its services are signed
 * with), the LTI 1.3 platform registration of its deployment (whose token its services take; null for
 * 1.1) and the deployment's account scope (where its members' accounts are found).
 */
export type KeyedResourceLink = ResourceLink & {
  consumerKey: string;
  registrationId: number | null;
  accountScope: number;
};

export async function listResourceLinks(db: Db, publicationId: number): Promise<KeyedResourceLink[]> {
  const rows = await db
    .selectFrom("lti_resource_links as rl")
    .innerJoin("lti_deployments as d", "d.id", "rl.deployment_id")
    .selectAll("rl")
    .select([
      "d.consumer_key",
      "d.registration_id",
      sql<number>`coalesce(d.account_scope_id, d.id)`.as("account_scope"),
    ])
    .where("rl.publication_id", "=", publicationId)
    .orderBy("rl.id")
    .execute();
  return rows.map((r) => ({
    ...toResourceLink(r),
    consumerKey: r.consumer_key ?? "",
    registrationId: r.registration_id,
    accountScope: Number(r.account_scope),
  }));
}

export async function markMemberSync(db: Db, id: number, at: string): Promise<void> {
  await db.updateTable("lti_resource_links").set({ last_member_sync_at: at }).where("id", "=", id).execute();
}

/** How many resource links each deployment given has. */
export async function countResourceLinks(
  db: Db,
  deploymentIds: readonly number[],
): Promise<Map<number, number>> {
  if (deploymentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("lti_resource_links")
    .select(["deployment_id", (eb) => eb.fn.countAll().as("n")])
    .where("deployment_id", "in", deploymentIds)
    .groupBy("deployment_id")
    .execute();
  return new Map(rows.map((r) => [r.deployment_id, Number(r.n)]));
}

/**
 * The publication an earlier resource link of this platform deployment was launched into: the first of
 * `resourceLinkIds` recorded, else the most recent link in one of `contextIds` (a platform's
 * `$ResourceLink.id.history` / `$Context.id.history`, for a copied link). Undefined when none is known.
 */
export async function findPublicationOfHistory(
  db: Db,
  deployment: { registrationId: number; deploymentId: string },
  history: { resourceLinkIds: readonly string[]; contextIds: readonly string[] },
): Promise<number | undefined> {
  const base = () =>
    db
      .selectFrom("lti_resource_links as rl")
      .innerJoin("lti_deployments as d", "d.id", "rl.deployment_id")
      .select(["rl.publication_id", "rl.resource_link_id", "rl.context_id"])
      .where("d.registration_id", "=", deployment.registrationId)
      .where("d.deployment_id", "=", deployment.deploymentId);
  if (history.resourceLinkIds.length > 0) {
    const rows = await base().where("rl.resource_link_id", "in", history.resourceLinkIds).execute();
    for (const id of history.resourceLinkIds) {
      const found = rows.find((r) => r.resource_link_id === id);
      if (found) return found.publication_id;
    }
  }
  if (history.contextIds.length > 0) {
    const rows = await base()
      .where("rl.context_id", "in", history.contextIds)
      .orderBy("rl.id", "desc")
      .execute();
    for (const id of history.contextIds) {
      const found = rows.find((r) => r.context_id === id);
      if (found) return found.publication_id;
    }
  }
  return undefined;
}
