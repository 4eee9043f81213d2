// Deployments: the remote party of an LTI exchange, as a row (lti_deployments; the schema is in
// src/db/schema-lti-common.ts). Provider side, a platform launching a publication: for LTI 1.1 one
// deployment per (publication, consumer key) the publication has seen, created by the first launch
// that verifies with the publication's secret. Consumer side, Pluto's deployment of a tool: one per
// site tool (created with it) and one per External tool activity with its own key (created when
// first used). Remote users, resource links, nonces and launch-log rows point at a deployment.
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
