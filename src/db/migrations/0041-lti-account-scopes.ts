// A publication's secret reaches only the accounts of its own remote party. Until now a returning
// remote user was looked for under every provider deployment with the launch's consumer key, so
// whoever held ONE publication's secret could sign a launch with another consumer's key and a
// guessed user_id and become that consumer's user. From here on a deployment's account scope is
// the deployment itself, or the group a site admin declared to be one consumer: account_scope_id
// names the group's first deployment (null: the deployment is its own scope, or heads a group).
//
// Every existing deployment becomes its own scope: no group is declared on anyone's behalf, as
// sharing a consumer key is exactly what an attacker does. Accounts already used across
// publications keep working, though: where a remote user has a link (account) under deployment A
// and an lti_provider_users row (a launch or a member sync, with its grades and enrolment) under
// deployment B of the same consumer key and the same remote user id, but no link under B, B gets
// its own link to that same account. That access already happened under the old rule and cutting
// it would give the returning user a second, empty account beside their grades; the link is
// narrow (that one user, through that one deployment), so it confers nothing new, and the site
// admin can see and change the deployments on Site admin → LTI consumers. Scopes are not merged
// wholesale: a link made this way does not let B reach A's other users.
import { sql } from "kysely";
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .alterTable("lti_deployments")
    .addColumn("account_scope_id", "integer", (c) => c.references("lti_deployments.id").onDelete("set null"))
    .execute();
  await db.schema
    .createIndex("lti_deployments_account_scope")
    .on("lti_deployments")
    .column("account_scope_id")
    .execute();

  const now = new Date().toISOString();
  await sql`insert into lti_user_links (deployment_id, remote_user_id, user_id, created_at)
    select pu.deployment_id, pu.remote_user_id, min(pu.user_id), ${now}
    from lti_provider_users pu
    join lti_deployments d on d.id = pu.deployment_id
    where d.side = 'provider' and d.consumer_key is not null
      and not exists (select 1 from lti_user_links own
        where own.deployment_id = pu.deployment_id and own.remote_user_id = pu.remote_user_id)
      and exists (select 1 from lti_user_links l
        join lti_deployments ld on ld.id = l.deployment_id
        where l.user_id = pu.user_id and l.remote_user_id = pu.remote_user_id
          and ld.side = 'provider' and ld.consumer_key = d.consumer_key)
    group by pu.deployment_id, pu.remote_user_id
    order by pu.deployment_id, pu.remote_user_id`.execute(db);
}

// No down: the links made here are indistinguishable from a launch's, and dropping the column
// would widen every deployment's reach again.
