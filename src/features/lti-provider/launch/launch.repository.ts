// The read side of a launch, in one query: the publication and its enrolment instance, and — for the
// (consumer key, user_id, resource_link_id) the request names — the deployment of that key and its
// account scope, the account linked within that scope, its enrolment through the instance, whether it holds the instructor or learner
// role, its outcome details and the resource link as recorded. A launch is the hottest request of a
// published course; six separate lookups were a third of its cost (and six round trips on PostgreSQL).
//
// This is the feature's one read across other features' tables (users, enrol_instances, enrolments,
// role_assignments, activities, lti_deployments; listed in test/table-ownership.test.ts); every write
// still goes through their owners. The values are built by the owners' mappers (toPublication,
// enrolments' enrolInstanceOf, toResourceLink) from the columns this query selects.

import { sql } from "kysely";
import type { Db } from "../../../db/database.js";
import type { Engine } from "../../../db/dialect.js";
import { type EnrolInstance, enrolInstanceOf } from "../../enrolments/enrolments.service.js";
import type { LinkedUser } from "../accounts/accounts.repository.js";
import {
  type Publication,
  type PublicationRow,
  toPublication,
} from "../publications/publications.repository.js";
import { type ResourceLink, toResourceLink } from "./resource-links.repository.js";
import type { DeploymentOwner } from "./verified-launch.js";

export interface LaunchContext {
  publication: Publication;
  instance: EnrolInstance;
  /** The published activity still exists (always true for a published course). */
  activityExists: boolean;
  /**
   * LTI 1.1: the deployment of the named consumer key for this publication, if it launched before;
   * LTI 1.3: the platform's registered deployment of the named deployment_id, if any.
   */
  deploymentId: number | undefined;
  /** That deployment's account scope (itself, or the group it was declared part of). */
  accountScope: number | undefined;
  user?: LinkedUser;
  /** Status of the user's enrolment through the instance. */
  enrolmentStatus?: string;
  hasInstructorRole: boolean;
  hasLearnerRole: boolean;
  providerUser?: {
    deploymentId: number;
    remoteUserId: string;
    outcomeUrl: string | null;
    sourcedid: string | null;
    agsEndpoint: string | null;
    lastLaunchAt: string | null;
  };
  resourceLink?: ResourceLink;
}

/** The publication's own columns, then its instance's and the rest, prefixed by table. */
interface Row extends PublicationRow {
  i_method: string;
  i_name: string;
  i_status: string;
  i_enrol_period: number | null;
  i_enrol_start: string | null;
  i_enrol_end: string | null;
  i_max_enrolled: number;
  i_role: string;
  i_settings: string;
  i_created_at: string;
  i_updated_at: string;
  a_id: number | null;
  u_id: number | null;
  u_firstname: string;
  u_lastname: string;
  u_email: string;
  u_auth: string;
  e_status: string | null;
  has_instructor_role: number;
  has_learner_role: number;
  d_id: number | null;
  d_scope: number | null;
  pu_id: number | null;
  pu_deployment_id: number;
  pu_remote_user_id: string;
  pu_outcome_url: string | null;
  pu_sourcedid: string | null;
  pu_ags_endpoint: string | null;
  pu_last_launch_at: string | null;
  rl_id: number | null;
  rl_context_id: string;
  rl_context_title: string;
  rl_title: string;
  rl_memberships_url: string | null;
  rl_memberships_id: string | null;
  rl_outcome_url: string | null;
  rl_return_url: string | null;
  rl_nrps_url: string | null;
}

const PUBLICATION_AND_INSTANCE = sql`p.id, p.instance_id, p.uuid, p.course_id, p.activity_id, p.lti_version,
  p.secret, p.grade_sync, p.grade_sync_completion, p.member_sync, p.member_sync_mode, p.role_instructor,
  p.role_learner, p.defaults, i.method as i_method, i.name as i_name, i.status as i_status,
  i.enrol_period as i_enrol_period, i.enrol_start as i_enrol_start, i.enrol_end as i_enrol_end,
  i.max_enrolled as i_max_enrolled, i.role as i_role, i.settings as i_settings, i.created_at as i_created_at,
  i.updated_at as i_updated_at`;
const USER = sql`u.id as u_id, u.firstname as u_firstname, u.lastname as u_lastname, u.email as u_email,
  u.auth as u_auth`;
const ROLES = sql`case when exists (select 1 from role_assignments r
    where r.course_id = p.course_id and r.user_id = u.id and r.role = p.role_instructor) then 1 else 0 end
    as has_instructor_role,
  case when exists (select 1 from role_assignments r
    where r.course_id = p.course_id and r.user_id = u.id and r.role = p.role_learner) then 1 else 0 end
    as has_learner_role`;
const PROVIDER_USER = sql`pu.id as pu_id, pu.deployment_id as pu_deployment_id,
  pu.remote_user_id as pu_remote_user_id, pu.outcome_url as pu_outcome_url, pu.sourcedid as pu_sourcedid,
  pu.ags_endpoint as pu_ags_endpoint, pu.last_launch_at as pu_last_launch_at`;
const RESOURCE_LINK = sql`rl.id as rl_id, rl.context_id as rl_context_id, rl.context_title as rl_context_title,
  rl.title as rl_title, rl.memberships_url as rl_memberships_url, rl.memberships_id as rl_memberships_id,
  rl.outcome_url as rl_outcome_url, rl.return_url as rl_return_url, rl.nrps_url as rl_nrps_url`;

/**
 * Everything a launch reads, by the publication's uuid and the (unverified) identifiers the request
 * names. SQLite runs the flat join from its statement cache. PostgreSQL plans every query it is
 * sent, and searching the join order of nine tables took longer than running them (0.5 ms against
 * 0.1 ms): there the user's and the resource link's parts are fenced subqueries (offset 0), planned
 * on their own.
 *
 * The account is looked for only through the deployments of this deployment's account scope, a
 * link through the deployment itself first; a key this publication has not seen reaches no account,
 * whatever other publications' deployments of that key hold (see accounts.repository.ts
 * findLinkedUser, which must agree).
 */
export async function findLaunchContext(
  db: Db,
  engine: Engine,
  uuid: string,
  deployment: DeploymentOwner | { consumerKey: string },
  remoteUserId: string,
  resourceLinkId: string,
): Promise<LaunchContext | undefined> {
  // LTI 1.1: the publication's deployment of the consumer key; LTI 1.3: the platform's registered one.
  const ofDeployment =
    "consumerKey" in deployment
      ? sql`d.publication_id = p.id and d.consumer_key = ${deployment.consumerKey}`
      : sql`d.side = 'provider' and d.registration_id = ${deployment.registrationId}
          and d.deployment_id = ${deployment.deploymentId}`;
  const query =
    engine === "postgres"
      ? sql<Row>`
    select ${PUBLICATION_AND_INSTANCE}, (select a.id from activities a where a.id = p.activity_id) as a_id,
      d.id as d_id, coalesce(d.account_scope_id, d.id) as d_scope, x.*, y.*
    from lti_publications p
    join enrol_instances i on i.id = p.instance_id
    left join lti_deployments d on ${ofDeployment}
    left join lateral (
      select ${USER}, ${ROLES}, ${PROVIDER_USER},
        (select e.status from enrolments e where e.instance_id = p.instance_id and e.user_id = u.id) as e_status
      from lti_user_links l
      join lti_deployments ld on ld.id = l.deployment_id
      join users u on u.id = l.user_id
      left join lti_provider_users pu on pu.publication_id = p.id and pu.user_id = u.id
      where l.remote_user_id = ${remoteUserId}
        and coalesce(ld.account_scope_id, ld.id) = coalesce(d.account_scope_id, d.id)
      order by case when l.deployment_id = d.id then 0 else 1 end, l.id limit 1 offset 0) x on true
    left join lateral (
      select ${RESOURCE_LINK}
      from lti_resource_links rl where rl.deployment_id = d.id and rl.resource_link_id = ${resourceLinkId}
      offset 0) y on true
    where p.uuid = ${uuid}`
      : sql<Row>`
    select ${PUBLICATION_AND_INSTANCE}, a.id as a_id, d.id as d_id,
      coalesce(d.account_scope_id, d.id) as d_scope, ${USER}, e.status as e_status, ${ROLES},
      ${PROVIDER_USER}, ${RESOURCE_LINK}
    from lti_publications p
    join enrol_instances i on i.id = p.instance_id
    left join activities a on a.id = p.activity_id
    left join lti_deployments d on ${ofDeployment}
    left join lti_user_links l on l.id = (select l2.id from lti_user_links l2
      join lti_deployments ld on ld.id = l2.deployment_id
      where l2.remote_user_id = ${remoteUserId}
        and coalesce(ld.account_scope_id, ld.id) = coalesce(d.account_scope_id, d.id)
      order by case when l2.deployment_id = d.id then 0 else 1 end, l2.id limit 1)
    left join users u on u.id = l.user_id
    left join enrolments e on e.instance_id = p.instance_id and e.user_id = u.id
    left join lti_provider_users pu on pu.publication_id = p.id and pu.user_id = u.id
    left join lti_resource_links rl on rl.deployment_id = d.id and rl.resource_link_id = ${resourceLinkId}
    where p.uuid = ${uuid}`;
  const { rows } = await query.execute(db);
  const r = rows[0];
  if (!r) return undefined;
  // The owners' mappers build the publication, the instance and the resource link from their columns.
  const publication = toPublication(r);
  const instance = enrolInstanceOf({
    id: r.instance_id,
    course_id: r.course_id,
    method: r.i_method,
    name: r.i_name,
    status: r.i_status,
    enrol_period: r.i_enrol_period,
    enrol_start: r.i_enrol_start,
    enrol_end: r.i_enrol_end,
    max_enrolled: r.i_max_enrolled,
    role: r.i_role,
    settings: r.i_settings,
    created_at: r.i_created_at,
    updated_at: r.i_updated_at,
  });
  return {
    publication,
    instance,
    activityExists: r.activity_id === null || r.a_id !== null,
    deploymentId: r.d_id ?? undefined,
    accountScope: r.d_scope ?? undefined,
    ...(r.u_id !== null
      ? {
          user: {
            id: r.u_id,
            firstname: r.u_firstname,
            lastname: r.u_lastname,
            email: r.u_email,
            auth: r.u_auth,
          },
        }
      : {}),
    ...(r.e_status !== null ? { enrolmentStatus: r.e_status } : {}),
    hasInstructorRole: Number(r.has_instructor_role) === 1,
    hasLearnerRole: Number(r.has_learner_role) === 1,
    ...(r.pu_id !== null
      ? {
          providerUser: {
            deploymentId: r.pu_deployment_id,
            remoteUserId: r.pu_remote_user_id,
            outcomeUrl: r.pu_outcome_url,
            sourcedid: r.pu_sourcedid,
            agsEndpoint: r.pu_ags_endpoint,
            lastLaunchAt: r.pu_last_launch_at,
          },
        }
      : {}),
    ...(r.rl_id !== null
      ? {
          resourceLink: toResourceLink({
            id: r.rl_id,
            publication_id: r.id,
            deployment_id: r.d_id ?? 0,
            resource_link_id: resourceLinkId,
            context_id: r.rl_context_id,
            context_title: r.rl_context_title,
            title: r.rl_title,
            memberships_url: r.rl_memberships_url,
            memberships_id: r.rl_memberships_id,
            outcome_url: r.rl_outcome_url,
            return_url: r.rl_return_url,
            nrps_url: r.rl_nrps_url,
          }),
        }
      : {}),
  };
}
