// Tables of "Publish as LTI tool" (Pluto as LTI provider).
import type { Generated } from "kysely";

export interface LtiPublicationsTable {
  id: Generated<number>;
  /** the enrolment method instance this publication is */
  instance_id: number;
  /** public identifier used in launch and cartridge URLs */
  uuid: string;
  course_id: number;
  /** null when the whole course is published */
  activity_id: number | null;
  lti_version: string;
  secret: string;
  grade_sync: number;
  grade_sync_completion: number;
  member_sync: number;
  /** enrol_and_unenrol | enrol_new | unenrol_missing */
  member_sync_mode: string;
  role_instructor: string;
  role_learner: string;
  /** JSON: user default values {country, city, timezone, lang, institution} */
  defaults: string;
  created_at: string;
  updated_at: string;
}

/** A remote user's local account, by the deployment that provisioned it (lti_deployments). */
export interface LtiUserLinksTable {
  id: Generated<number>;
  deployment_id: number;
  remote_user_id: string;
  user_id: number;
  created_at: string;
}

export interface LtiProviderUsersTable {
  id: Generated<number>;
  publication_id: number;
  /** the deployment the user last came through (it belongs to the publication) */
  deployment_id: number;
  user_id: number;
  remote_user_id: string;
  outcome_url: string | null;
  sourcedid: string | null;
  last_grade_sent: number | null;
  last_grade_sent_at: string | null;
  /** the lease token of the run sending this user's grade now; null when no one is */
  grade_claimed_by: string | null;
  /** when that lease ends: after it, another run may take the row over */
  grade_claimed_until: string | null;
  last_launch_at: string | null;
  /** LTI 1.3: JSON of the AGS endpoint the user last launched with (launch/verified-launch.ts `AgsService`) */
  ags_endpoint: string | null;
  created_at: string;
}

export interface LtiResourceLinksTable {
  id: Generated<number>;
  publication_id: number;
  /** the deployment (of this publication) whose resource link it is */
  deployment_id: number;
  resource_link_id: string;
  context_id: string;
  context_title: string;
  title: string;
  memberships_url: string | null;
  memberships_id: string | null;
  outcome_url: string | null;
  return_url: string | null;
  /** LTI 1.3: the NRPS claim's context_memberships_url */
  nrps_url: string | null;
  last_member_sync_at: string | null;
  created_at: string;
  updated_at: string;
}

/** OAuth nonces seen, per deployment (both sides). */
export interface LtiNoncesTable {
  deployment_id: number;
  nonce: string;
  expires_at: string;
}

export interface LtiHandoffsTable {
  /** sha256 of the one-time token */
  token_hash: string;
  user_id: number;
  /** path to continue to */
  target: string;
  /** JSON: the session data to start the new session with */
  data: string;
  expires_at: string;
}

export interface LtiLaunchLogTable {
  id: Generated<number>;
  created_at: string;
  /** in: a consumer launched Pluto; out: Pluto launched a tool */
  direction: string;
  course_id: number | null;
  publication_id: number | null;
  activity_id: number | null;
  /** the deployment that launched (in) or was launched (out); null when none was established */
  deployment_id: number | null;
  /** the consumer key the launch was signed with, as sent (a refused launch may name no deployment) */
  consumer_key: string;
  remote_user_id: string;
  user_id: number | null;
  /** ok | rejected */
  result: string;
  /** stable code, e.g. bad_signature */
  reason: string;
  message: string;
}

/**
 * An LTI Advantage platform registered with Pluto as a tool (migration 0052): the details of a
 * provider-side registration (lti_registrations: issuer, client_id; its deployment ids are
 * lti_deployments rows). "" is a value not given yet; status is "pending" until the platform can launch.
 */
export interface LtiPlatformsTable {
  registration_id: number;
  name: string;
  authentication_request_url: Generated<string>;
  access_token_url: Generated<string>;
  public_keyset_url: Generated<string>;
  /** The authorization server (the client assertion's audience) when it differs from the token URL. */
  authorization_server: Generated<string>;
  /** "pending" or "active". */
  status: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** A login Pluto-the-tool answered, until its launch (LTI 1.3): the LoginBinding by its state. */
export interface LtiToolLoginsTable {
  /** sha256 of the state */
  state_hash: string;
  /** the platform's registration (lti_registrations) */
  registration_id: number;
  /** JSON: the LoginBinding without its state */
  binding: string;
  expires_at: string;
}

/** A Registration URL for Dynamic Registration (LTI 1.3 tool side): single use, expiring. */
export interface LtiRegistrationUrlsTable {
  /** sha256 (hex) of the URL's token */
  token_hash: string;
  created_at: string;
  expires_at: string;
  /** when a registration spent it; null while unused */
  used_at: string | null;
}

/** A Deep Linking request Pluto-the-tool offered content for, until the teacher's choice (LTI 1.3). */
export interface LtiToolDeepLinksTable {
  /** sha256 of the choice token */
  token_hash: string;
  /** the platform's registration (lti_registrations) */
  registration_id: number;
  /** JSON: the verified request and what was offered */
  request: string;
  expires_at: string;
}

export interface LtiProviderTables {
  lti_platforms: LtiPlatformsTable;
  lti_publications: LtiPublicationsTable;
  lti_user_links: LtiUserLinksTable;
  lti_provider_users: LtiProviderUsersTable;
  lti_resource_links: LtiResourceLinksTable;
  lti_nonces: LtiNoncesTable;
  lti_handoffs: LtiHandoffsTable;
  lti_tool_logins: LtiToolLoginsTable;
  lti_registration_urls: LtiRegistrationUrlsTable;
  lti_tool_deep_links: LtiToolDeepLinksTable;
  lti_launch_log: LtiLaunchLogTable;
}
