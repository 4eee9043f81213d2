// Tables both LTI sides share: the remote party of an exchange (a deployment) and, for LTI 1.3, the
// registration it lives under. Created by migration 0040; account scopes by 0041.
import type { Generated } from "kysely";

/** provider: Pluto is the tool (a platform launches a publication); consumer: Pluto is the platform. */
export type DeploymentSide = "provider" | "consumer";

/**
 * An LTI 1.3 registration. Provider side: a platform (issuer, client_id) registered with the site
 * (publication_id null, migration 0052; its details are lti_platforms'; "" while not given yet). Consumer side: a tool registered with a tool type, client_id issued by Pluto.
 * Consumer-side columns (login URL, redirect URIs, public key, status) come from migration 0043.
 */
export interface LtiRegistrationsTable {
  id: Generated<number>;
  side: DeploymentSide;
  publication_id: number | null;
  tool_type_id: number | null;
  issuer: string;
  client_id: string;
  created_at: string;
  /** Consumer side (migration 0043): the tool's OIDC login initiation URL. */
  initiate_login_url: Generated<string>;
  /** Consumer side: the redirection URIs, one per line, as registered. */
  redirect_uris: Generated<string>;
  /** Consumer side: "keyset" (public_keyset_url) or "key" (public_key, a PEM or JWK). */
  public_key_type: Generated<string>;
  public_keyset_url: Generated<string>;
  public_key: Generated<string>;
  /** "active", or "pending" until a site admin activates it. */
  status: Generated<string>;
  /** Consumer side (migration 0044): 1 when the tool offers content selection (Deep Linking). */
  deep_linking: Generated<number>;
  /** Consumer side: the Content selection URL (the Deep Linking request's target_link_uri). */
  deep_linking_url: Generated<string>;
  /** Consumer side (migration 0045): a dynamically registered tool's request as accepted (JSON), else "". */
  registration_request: Generated<string>;
  /** Consumer side (migration 0050): 1 when the tool may use Assignment and Grade Services. */
  service_ags: Generated<number>;
  /** Consumer side (migration 0050): 1 when the tool may use Names and Role Provisioning Services. */
  service_nrps: Generated<number>;
}

/** Dynamic Registration tokens already used (migration 0045): single use, kept until they expire. */
export interface LtiSpentTokensTable {
  jti: string;
  expires_at: string;
}

/**
 * The remote party. Provider side: publication_id plus the LTI 1.1 consumer_key it signs with, or
 * the LTI 1.3 registration_id plus the platform's deployment_id (publication_id becomes null when
 * the publication is deleted, so remote users keep their link). Consumer side: Pluto's deployment of
 * a tool, for a site tool (tool_type_id) or an External tool activity with its own key
 * (activity_id); for LTI 1.3 also registration_id and the deployment_id Pluto issued.
 */
export interface LtiDeploymentsTable {
  id: Generated<number>;
  side: DeploymentSide;
  publication_id: number | null;
  consumer_key: string | null;
  registration_id: number | null;
  deployment_id: string | null;
  tool_type_id: number | null;
  activity_id: number | null;
  /**
   * Provider side: the deployment whose accounts this one shares, as declared by a site admin (the
   * first deployment of the group; migration 0041). Null: its own account scope, or a group's first.
   */
  account_scope_id: number | null;
  created_at: string;
}

/**
 * Pluto's LTI 1.3 platform keys (migration 0042): RSA 2048 pairs for RS256. `private_key_pem` is a secret
 * (PKCS #8): never logged, never in a response. Dates are ISO strings; `slot` is unique, in creation order.
 */
export interface LtiPlatformKeysTable {
  kid: string;
  slot: number;
  /** JSON: the public JWK as published (kty, n, e, kid, alg, use). */
  public_jwk: string;
  private_key_pem: string;
  created_at: string;
  activates_at: string;
  retired_at: string | null;
  revoked_at: string | null;
}

/** LTI site settings by name (migration 0042), e.g. the key rotation period. */
export interface LtiSettingsTable {
  name: string;
  value: string;
  updated_at: string;
}

export interface LtiCommonTables {
  lti_registrations: LtiRegistrationsTable;
  lti_deployments: LtiDeploymentsTable;
  lti_platform_keys: LtiPlatformKeysTable;
  lti_settings: LtiSettingsTable;
  lti_spent_tokens: LtiSpentTokensTable;
}
