// The remote party of an LTI exchange becomes a row: a deployment. Until now the LTI 1.1 consumer key
// named it, and keyed remote users, resource links, nonces and the launch log; LTI 1.3 names it by
// (issuer, client_id, deployment_id) under a registration. This migration creates lti_registrations
// (LTI 1.3; identity columns only, for now) and lti_deployments, makes one deployment of every
// (publication, consumer key) the provider side has seen and of every tool the consumer side
// launches (each tool type, each External tool activity with its own key), and repoints the rows.
//
// Tables whose key changes are rebuilt (SQLite cannot change a constraint or add a NOT NULL column in
// place): created anew beside the old one, filled with their ids kept (queued jobs name provider
// users by id), the old one dropped and the new one renamed. Constraint names are new, as PostgreSQL
// keeps a dropped table's index names until the drop.
import { sql } from "kysely";
import { engineOf } from "../dialect.js";
import { type Db, fk, notNull, realType, text, withId } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  const postgres = engineOf(db) === "postgres";

  // --- the nouns ----------------------------------------------------------------------------
  // An LTI 1.3 registration: provider side, a platform registered with a publication (Pluto is the
  // tool); consumer side, a tool registered with a tool type (Pluto is the platform and issues the
  // client_id). Keys, endpoints and redirect URIs are added by the issues that use them.
  await withId(db, db.schema.createTable("lti_registrations"))
    .addColumn("side", "varchar(10)", notNull)
    .addColumn("publication_id", "integer", (c) => c.references("lti_publications.id").onDelete("cascade"))
    .addColumn("tool_type_id", "integer", (c) => c.references("lti_tool_types.id").onDelete("cascade"))
    .addColumn("issuer", "varchar(255)", notNull)
    .addColumn("client_id", "varchar(255)", notNull)
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("lti_registrations_platform", ["publication_id", "issuer", "client_id"])
    .addUniqueConstraint("lti_registrations_tool", ["tool_type_id", "client_id"])
    .addCheckConstraint(
      "lti_registrations_owner",
      sql`(side = 'provider' and publication_id is not null and tool_type_id is null)
        or (side = 'consumer' and tool_type_id is not null and publication_id is null)`,
    )
    .execute();

  // A deployment: the remote party itself.
  // - provider side (a platform launching a publication): publication_id and either the LTI 1.1
  //   consumer_key it signs with, or the LTI 1.3 registration_id and the platform's deployment_id.
  //   publication_id becomes null when the publication is deleted: the remote users it provisioned
  //   keep their link to the party that launched them.
  // - consumer side (Pluto's deployment of a tool): tool_type_id for a site tool or activity_id for
  //   an External tool activity with its own key; for LTI 1.3, also registration_id and the
  //   deployment_id Pluto issued. The LTI 1.1 key and secret stay where they are configured.
  await withId(db, db.schema.createTable("lti_deployments"))
    .addColumn("side", "varchar(10)", notNull)
    .addColumn("publication_id", "integer", (c) => c.references("lti_publications.id").onDelete("set null"))
    .addColumn("consumer_key", "varchar(255)")
    .addColumn("registration_id", "integer", (c) => c.references("lti_registrations.id").onDelete("cascade"))
    .addColumn("deployment_id", "varchar(255)")
    .addColumn("tool_type_id", "integer", (c) => c.references("lti_tool_types.id").onDelete("cascade"))
    .addColumn("activity_id", "integer", (c) => c.references("activities.id").onDelete("cascade"))
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("lti_deployments_consumer_key", ["publication_id", "consumer_key"])
    .addUniqueConstraint("lti_deployments_registration", ["registration_id", "deployment_id"])
    .addUniqueConstraint("lti_deployments_tool_type", ["tool_type_id"])
    .addUniqueConstraint("lti_deployments_activity", ["activity_id"])
    .addCheckConstraint(
      "lti_deployments_owner",
      sql`(side = 'provider' and tool_type_id is null and activity_id is null
          and ((consumer_key is not null and registration_id is null and deployment_id is null)
            or (consumer_key is null and registration_id is not null and deployment_id is not null)))
        or (side = 'consumer' and publication_id is null and consumer_key is null
          and (tool_type_id is null) <> (activity_id is null)
          and (registration_id is null) = (deployment_id is null))`,
    )
    .execute();
  await db.schema
    .createIndex("lti_deployments_key")
    .on("lti_deployments")
    .columns(["consumer_key", "side"])
    .execute();

  // --- provider side: one deployment per (publication, consumer key) seen -------------------
  const now = new Date().toISOString();
  await sql`insert into lti_deployments (side, publication_id, consumer_key, created_at)
    select 'provider', publication_id, consumer_key, ${now} from (
      select publication_id, consumer_key from lti_provider_users
      union select publication_id, consumer_key from lti_resource_links
      union select publication_id, consumer_key from lti_launch_log
        where direction = 'in' and result = 'ok' and publication_id is not null and consumer_key <> ''
    ) seen
    order by publication_id, consumer_key`.execute(db);
  // Remote users whose publication is gone still have their link (and account): their key is a
  // deployment of no publication.
  await sql`insert into lti_deployments (side, publication_id, consumer_key, created_at)
    select distinct 'provider', cast(null as integer), l.consumer_key, ${now} from lti_user_links l
    where not exists (select 1 from lti_deployments d
      where d.side = 'provider' and d.consumer_key = l.consumer_key)`.execute(db);

  // --- consumer side: each site tool, each activity with its own key ------------------------
  await sql`insert into lti_deployments (side, tool_type_id, created_at)
    select 'consumer', id, ${now} from lti_tool_types`.execute(db);
  const activityKeys = new Map<number, string>();
  const { rows: tools } = await sql<{ id: number; settings: string }>`select id, settings from activities
    where type = 'lti'`.execute(db);
  for (const a of tools) {
    const key = ownConsumerKey(a.settings);
    if (key === undefined) continue;
    activityKeys.set(a.id, key);
    await sql`insert into lti_deployments (side, activity_id, created_at)
      values ('consumer', ${a.id}, ${now})`.execute(db);
  }

  // --- remote users, now per deployment ------------------------------------------------------
  const real = realType(db);
  await withId(db, db.schema.createTable("lti_provider_users_v2"))
    .addColumn("publication_id", "integer", fk("lti_publications"))
    .addColumn("deployment_id", "integer", fk("lti_deployments"))
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("remote_user_id", "varchar(255)", notNull)
    .addColumn("outcome_url", "text")
    .addColumn("sourcedid", "text")
    .addColumn("last_grade_sent", real)
    .addColumn("last_grade_sent_at", "text")
    .addColumn("grade_claimed_by", "varchar(100)")
    .addColumn("grade_claimed_until", "text")
    .addColumn("last_launch_at", "text")
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("lti_provider_users_publication_user", ["publication_id", "user_id"])
    .execute();
  await sql`insert into lti_provider_users_v2 (id, publication_id, deployment_id, user_id, remote_user_id,
      outcome_url, sourcedid, last_grade_sent, last_grade_sent_at, grade_claimed_by, grade_claimed_until,
      last_launch_at, created_at)
    select pu.id, pu.publication_id, d.id, pu.user_id, pu.remote_user_id, pu.outcome_url, pu.sourcedid,
      pu.last_grade_sent, pu.last_grade_sent_at, pu.grade_claimed_by, pu.grade_claimed_until,
      pu.last_launch_at, pu.created_at
    from lti_provider_users pu
    join lti_deployments d on d.publication_id = pu.publication_id and d.consumer_key = pu.consumer_key`.execute(
    db,
  );
  await replace(db, "lti_provider_users", postgres);
  await db.schema
    .createIndex("lti_provider_users_user_id")
    .on("lti_provider_users")
    .column("user_id")
    .execute();
  await db.schema
    .createIndex("lti_provider_users_deployment")
    .on("lti_provider_users")
    .column("deployment_id")
    .execute();

  // --- resource links, per deployment ---------------------------------------------------------
  await withId(db, db.schema.createTable("lti_resource_links_v2"))
    .addColumn("publication_id", "integer", fk("lti_publications"))
    .addColumn("deployment_id", "integer", fk("lti_deployments"))
    .addColumn("resource_link_id", "varchar(255)", notNull)
    .addColumn("context_id", "varchar(255)", text)
    .addColumn("context_title", "varchar(255)", text)
    .addColumn("title", "varchar(255)", text)
    .addColumn("memberships_url", "text")
    .addColumn("memberships_id", "text")
    .addColumn("outcome_url", "text")
    .addColumn("return_url", "text")
    .addColumn("last_member_sync_at", "text")
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .addUniqueConstraint("lti_resource_links_deployment_link", ["deployment_id", "resource_link_id"])
    .execute();
  await sql`insert into lti_resource_links_v2 (id, publication_id, deployment_id, resource_link_id,
      context_id, context_title, title, memberships_url, memberships_id, outcome_url, return_url,
      last_member_sync_at, created_at, updated_at)
    select rl.id, rl.publication_id, d.id, rl.resource_link_id, rl.context_id, rl.context_title, rl.title,
      rl.memberships_url, rl.memberships_id, rl.outcome_url, rl.return_url, rl.last_member_sync_at,
      rl.created_at, rl.updated_at
    from lti_resource_links rl
    join lti_deployments d on d.publication_id = rl.publication_id and d.consumer_key = rl.consumer_key`.execute(
    db,
  );
  await replace(db, "lti_resource_links", postgres);
  await db.schema
    .createIndex("lti_resource_links_publication")
    .on("lti_resource_links")
    .column("publication_id")
    .execute();

  // --- links from a remote user to an account -------------------------------------------------
  // A link names the deployment that provisioned the account: the one of the user's first
  // remote-user row with that key, else the first deployment of that key.
  await withId(db, db.schema.createTable("lti_user_links_v2"))
    .addColumn("deployment_id", "integer", fk("lti_deployments"))
    .addColumn("remote_user_id", "varchar(255)", notNull)
    .addColumn("user_id", "integer", fk("users"))
    .addColumn("created_at", "text", notNull)
    .addUniqueConstraint("lti_user_links_deployment_remote", ["deployment_id", "remote_user_id"])
    .execute();
  await sql`insert into lti_user_links_v2 (id, deployment_id, remote_user_id, user_id, created_at)
    select l.id, coalesce(
        (select pu.deployment_id from lti_provider_users pu
          join lti_deployments d on d.id = pu.deployment_id
          where pu.user_id = l.user_id and d.consumer_key = l.consumer_key
          order by pu.id limit 1),
        (select min(d.id) from lti_deployments d where d.side = 'provider' and d.consumer_key = l.consumer_key)),
      l.remote_user_id, l.user_id, l.created_at
    from lti_user_links l`.execute(db);
  await replace(db, "lti_user_links", postgres);
  await db.schema
    .createIndex("lti_user_links_remote_user")
    .on("lti_user_links")
    .column("remote_user_id")
    .execute();

  // --- nonces, per deployment -----------------------------------------------------------------
  // Rows were keyed "in:<consumer key>" (provider side) and "tool:<consumer key>" (consumer side). A
  // nonce still in its window stays refused for every deployment that signs with its key.
  await db.schema
    .createTable("lti_nonces_v2")
    .addColumn("deployment_id", "integer", fk("lti_deployments"))
    .addColumn("nonce", "varchar(255)", notNull)
    .addColumn("expires_at", "text", notNull)
    .addPrimaryKeyConstraint("lti_nonces_deployment_nonce", ["deployment_id", "nonce"])
    .execute();
  await sql`insert into lti_nonces_v2 (deployment_id, nonce, expires_at)
    select d.id, n.nonce, n.expires_at from lti_nonces n
    join lti_deployments d on d.side = 'provider' and n.consumer_key = 'in:' || d.consumer_key`.execute(db);
  await sql`insert into lti_nonces_v2 (deployment_id, nonce, expires_at)
    select d.id, n.nonce, n.expires_at from lti_nonces n
    join lti_tool_types t on n.consumer_key = 'tool:' || t.consumer_key
    join lti_deployments d on d.tool_type_id = t.id
    where t.consumer_key <> ''`.execute(db);
  for (const [activityId, key] of activityKeys) {
    await sql`insert into lti_nonces_v2 (deployment_id, nonce, expires_at)
      select d.id, n.nonce, n.expires_at from lti_nonces n
      join lti_deployments d on d.activity_id = ${activityId}
      where n.consumer_key = ${`tool:${key}`.slice(0, 255)}`.execute(db);
  }
  await db.schema.dropTable("lti_nonces").execute();
  await db.schema.alterTable("lti_nonces_v2").renameTo("lti_nonces").execute();
  await db.schema.createIndex("lti_nonces_expires_at").on("lti_nonces").column("expires_at").execute();

  // --- the launch log -------------------------------------------------------------------------
  // Rows point at the deployment that launched (in) or was launched (out); consumer_key stays, as
  // the key a launch was sent with (a refused launch may name a key no deployment has).
  await db.schema
    .alterTable("lti_launch_log")
    .addColumn("deployment_id", "integer", (c) => c.references("lti_deployments.id").onDelete("set null"))
    .execute();
  await sql`update lti_launch_log set deployment_id = (select d.id from lti_deployments d
      where d.publication_id = lti_launch_log.publication_id and d.consumer_key = lti_launch_log.consumer_key)
    where direction = 'in' and result = 'ok'`.execute(db);
  await sql`update lti_launch_log set deployment_id = coalesce(
      (select d.id from lti_deployments d where d.activity_id = lti_launch_log.activity_id),
      (select min(d.id) from lti_deployments d join lti_tool_types t on t.id = d.tool_type_id
        where t.consumer_key = lti_launch_log.consumer_key))
    where direction = 'out' and result = 'ok'`.execute(db);
}

/** The consumer key an External tool activity's settings (JSON) carry with a secret, if any. */
function ownConsumerKey(settings: string): string | undefined {
  let s: { consumerKey?: unknown; sharedSecret?: unknown };
  try {
    s = JSON.parse(settings) as typeof s;
  } catch {
    return undefined;
  }
  const { consumerKey, sharedSecret } = s;
  const own = typeof consumerKey === "string" && typeof sharedSecret === "string" && consumerKey !== "";
  return own && sharedSecret !== "" ? consumerKey : undefined;
}

/** Drops `table` and puts `<table>_v2` in its place, its id sequence continuing after the kept ids. */
async function replace(db: Db, table: string, postgres: boolean): Promise<void> {
  await db.schema.dropTable(table).execute();
  await db.schema.alterTable(`${table}_v2`).renameTo(table).execute();
  if (postgres)
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'),
      coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(db);
}

// No down: the consumer keys these rows were keyed by are gone, replaced by deployments.
