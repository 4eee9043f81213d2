// Tables of the "External tool" activity (Pluto as LTI consumer): site-wide tool types and the consumer's
// own keys. External tool activities keep their settings in activities.settings (JSON).
import type { Generated } from "kysely";

/**
 * A preconfigured (site-wide) tool, one deployment of Pluto's (lti_deployments, created with it).
 * `lti_version` is "1.1" today; an LTI 1.3 tool is registered in lti_registrations (client id; login
 * URL, redirect URIs, JWKS URL and scopes join it later) with a deployment under that registration.
 */
export interface LtiToolTypesTable {
  id: Generated<number>;
  name: string;
  description: string;
  /** The tool URL as the admin typed it: matched against activities' tool URLs by domain. */
  base_url: string;
  /** Set when base_url was a cartridge: the cartridge it was read from. */
  cartridge_url: string | null;
  launch_url: string;
  secure_launch_url: string;
  lti_version: string;
  consumer_key: string;
  shared_secret: string;
  icon_url: string;
  secure_icon_url: string;
  /** name=value lines */
  custom_parameters: string;
  /** embed | embed_no_blocks | window */
  launch_container: string;
  share_name: number;
  share_email: number;
  accept_grades: number;
  /** 1: offered in the content picker (and always under "Preconfigured tool") */
  show_in_picker: number;
  vendor_code: string;
  vendor_name: string;
  created_at: string;
  updated_at: string;
}

/** Named secrets of the consumer side (e.g. the site key behind opaque user ids and sourcedids). */
export interface LtiConsumerKeysTable {
  name: string;
  value: string;
  created_at: string;
}

/**
 * A Deep Linking request sent and not yet answered (migration 0044): keyed by the request's `data`,
 * bound to the user, course and section (and, for a re-link, the activity) it was made for.
 */
export interface LtiDeepLinkRequestsTable {
  data: string;
  tool_type_id: number;
  user_id: number;
  course_id: number;
  /** The section's position number. */
  section: number;
  activity_id: number | null;
  expires_at: string;
  created_at: string;
}

/**
 * An access token issued to an LTI 1.3 tool by the token endpoint (migration 0046): only its SHA-256
 * (base64url) is kept, with the site tool it is bound to and the scopes granted (space-separated).
 */
export interface LtiAccessTokensTable {
  token_hash: string;
  tool_type_id: number;
  client_id: string;
  scopes: string;
  expires_at: string;
  created_at: string;
}

/**
 * An LTI tool's line item (AGS 2.0; migration 0048): its grade item, the tool and course it belongs to,
 * the resource link (activity) it is attached to, and the attributes the tool sets.
 */
export interface LtiLineItemsTable {
  id: Generated<number>;
  tool_type_id: number;
  course_id: number;
  grade_item_id: number;
  activity_id: number | null;
  resource_id: string;
  tag: string;
  start_date_time: string | null;
  end_date_time: string | null;
  /** 1 | 0, null when the tool did not say */
  grades_released: number | null;
  created_at: string;
}

export interface LtiConsumerTables {
  lti_tool_types: LtiToolTypesTable;
  lti_consumer_keys: LtiConsumerKeysTable;
  lti_deep_link_requests: LtiDeepLinkRequestsTable;
  lti_access_tokens: LtiAccessTokensTable;
  lti_line_items: LtiLineItemsTable;
}
