// Every refusal an LTI path can give, with its HTTP status, in one place: protocol errors (LtiError
// codes), launch refusals (an HTML page), outcome refusals (a POX failure envelope) and memberships
// refusals (a memberships failure document). Each map is a full Record over its reason type, so a new
// code without a status fails the type check. An LtiError nobody caught still gets its status here
// (classify in app.ts), never a 500.
import type { FastifyReply } from "fastify";
import type { AgsReason } from "../features/lti-consumer/services/ags.service.js";
import type { MembershipsReason } from "../features/lti-consumer/services/memberships.service.js";
import type { NrpsReason } from "../features/lti-consumer/services/nrps.service.js";
import type { OutcomeReason } from "../features/lti-consumer/services/outcomes.service.js";
import type { LaunchReason } from "../features/lti-provider/launch/rejection.js";
import type { DynamicRegistrationReason } from "../features/lti-provider/platforms/dynamic-registration.service.js";
import type { LtiErrorCode } from "../lti/errors.js";

/**
 * A protocol error: the request's signature, timestamp or nonce failed (401), or the request is malformed
 * (400). A tool JWT that fails verification is 401; a refused OIDC authentication request that is shown on
 * the platform's page is 400, or 403 when the user or the tool may not launch.
 */
export const LTI_ERROR_STATUS: Record<LtiErrorCode, 400 | 401 | 403 | 406 | 415> = {
  bad_signature: 401,
  stale_timestamp: 401,
  replayed_nonce: 401,
  unsupported_signature_method: 401,
  bad_body_hash: 401,
  missing_parameter: 400,
  invalid_parameter: 400,
  unsupported_message_type: 400,
  unsupported_version: 400,
  invalid_xml: 400,
  xml_entities: 400,
  not_a_cartridge: 400,
  not_a_pox_message: 400,
  not_a_memberships_response: 400,
  unsupported_operation: 400,
  multiple_operations: 400,
  score_out_of_range: 400,
  jwt_malformed: 401,
  jwt_alg_not_allowed: 401,
  jwt_missing_kid: 401,
  jwt_unknown_kid: 401,
  jwt_key_mismatch: 401,
  jwt_keyset_unavailable: 401,
  jwt_invalid_signature: 401,
  jwt_missing_claim: 401,
  jwt_wrong_issuer: 401,
  jwt_wrong_audience: 401,
  jwt_expired: 401,
  jwt_not_yet_valid: 401,
  jwt_issued_in_future: 401,
  jwt_too_old: 401,
  jwt_nonce_reused: 401,
  message_hint_invalid: 400,
  message_hint_expired: 400,
  message_hint_mismatch: 403,
  message_hint_reused: 400,
  auth_missing_parameter: 400,
  auth_duplicate_parameter: 400,
  auth_unknown_client: 400,
  auth_client_not_enabled: 403,
  auth_invalid_redirect_uri: 400,
  auth_invalid_scope: 400,
  auth_unsupported_response_type: 400,
  auth_invalid_response_mode: 400,
  auth_invalid_prompt: 400,
  auth_login_required: 403,
  // --- LTI 1.3 Deep Linking response and Dynamic Registration ---
  // A Deep Linking response whose signature, issuer, audience, lifetime or nonce fails is not authentic (401);
  // one that is authentic but does not fit the request is malformed (400).
  dl_invalid_jwt: 401,
  dl_missing_claim: 400,
  dl_invalid_claim: 400,
  dl_issuer_mismatch: 401,
  dl_audience_mismatch: 401,
  dl_expired: 401,
  dl_deployment_mismatch: 400,
  dl_data_mismatch: 400,
  dl_replayed_nonce: 401,
  dl_type_not_accepted: 400,
  dl_multiple_not_accepted: 400,
  dl_invalid_item: 400,
  // RFC 7591 §3.2.2: 400 with the error body; a missing, bad, expired or used registration token is RFC 6750's 401.
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  invalid_registration_token: 401,
  registration_token_used: 401,
  // Tool side: an initiation without openid_configuration, or a platform configuration Pluto cannot register
  // with, is the platform's bad request (400); what the platform answered to the registration is mapped to
  // 502 by REGISTRATION_STATUS (the platform failed, not the browser).
  dr_missing_configuration: 400,
  dr_invalid_configuration: 400,
  dr_issuer_mismatch: 400,
  dr_platform_refused: 400,
  dr_invalid_response: 400,
  // --- end of the Deep Linking and Dynamic Registration block ---
  // RFC 6749 §5.2: the token endpoint answers 400 (the assertion is in the body, not an Authorization header,
  // so invalid_client needs no 401); RFC 6750 §3.1: a bad Bearer token is 401, too narrow a scope 403.
  token_invalid_request: 400,
  token_invalid_client: 400,
  token_unsupported_grant_type: 400,
  token_invalid_scope: 400,
  bearer_invalid_token: 401,
  bearer_insufficient_scope: 403,
  // --- LTI 1.3 tool side ---
  // A login or launch from a platform Pluto does not know, or for a URL that is not Pluto's, is malformed
  // (400); a launch that does not come from the browser that started the login (state, nonce) is not
  // authentic (401); a deployment the platform admin has not registered may not launch (403).
  platform_unknown: 400,
  platform_client_ambiguous: 400,
  target_link_uri_foreign: 400,
  state_unknown: 400,
  state_expired: 400,
  state_mismatch: 401,
  nonce_mismatch: 401,
  deployment_unknown: 403,
  deployment_mismatch: 400,
  launch_missing_claim: 400,
  launch_invalid_claim: 400,
  launch_platform_error: 400,
  // --- end of the LTI 1.3 tool side block ---
  // AGS: a body or query that does not hold is 400 (the field named); a media type not taken 415, not given 406.
  ags_invalid_line_item: 400,
  ags_invalid_score: 400,
  ags_invalid_query: 400,
  ags_unsupported_media_type: 415,
  ags_not_acceptable: 406,
};

/** A refused launch into a published tool, answered with the refusal page. */
export const LAUNCH_STATUS: Record<LaunchReason, number> = {
  ...LTI_ERROR_STATUS,
  unknown_tool: 404,
  tool_unavailable: 404,
  lti_version_mismatch: 400,
  course_full: 409,
  method_disabled: 403,
  enrolment_not_started: 403,
  enrolment_ended: 403,
  // Deep Linking (Pluto as the tool): only a teacher may choose content; a choice token is used once.
  deep_linking_not_allowed: 403,
  deep_linking_choice_unknown: 400,
};

/**
 * A Dynamic Registration Pluto (the tool) did not complete, answered with the refusal page in the platform's
 * frame. A Registration URL that is not Pluto's is 404, one expired or spent 410 (it will not work again);
 * a platform that cannot be reached, or refused or garbled the registration, is 502 (the platform failed,
 * not the browser); a platform already registered with that client is 409.
 */
export const REGISTRATION_STATUS: Record<DynamicRegistrationReason, number> = {
  registration_url_unknown: 404,
  registration_url_expired: 410,
  registration_url_used: 410,
  platform_unreachable: 502,
  platform_duplicate: 409,
  dr_missing_configuration: 400,
  dr_invalid_configuration: 400,
  dr_issuer_mismatch: 400,
  dr_platform_refused: 502,
  dr_invalid_response: 502,
};

/** A refused Basic Outcomes request, answered with a POX failure envelope. */
export const OUTCOME_STATUS: Record<OutcomeReason, number> = {
  ...LTI_ERROR_STATUS,
  oauth_missing_parameter: 401,
  oauth_invalid_parameter: 401,
  missing_authorization: 401,
  invalid_sourcedid: 403,
  unknown_sourcedid: 404,
  grades_not_accepted: 403,
  not_enrolled: 403,
  not_configured: 403,
  unsupported_media_type: 415,
  too_large: 413,
  invalid_request: 400,
  unavailable: 503,
  internal: 500,
};

/** A refused memberships request, answered with a memberships failure document. */
export const MEMBERSHIPS_STATUS: Record<MembershipsReason, number> = {
  ...LTI_ERROR_STATUS,
  oauth_missing_parameter: 401,
  oauth_invalid_parameter: 401,
  invalid_id: 403,
  unknown_id: 404,
  unsupported_media_type: 415,
  too_large: 413,
  invalid_request: 400,
  unavailable: 503,
  internal: 500,
};

/**
 * A refused Names and Role Provisioning request, answered with a JSON error body. RFC 6750 §3.1 for the
 * token; a course that does not exist or a link that is not the tool's is 404; a course the tool is not used
 * in is 403; a since-cursor older than the change log is 410 (the tool reloads the full list).
 */
export const NRPS_STATUS: Record<NrpsReason, number> = {
  bearer_invalid_token: 401,
  bearer_insufficient_scope: 403,
  unknown_context: 404,
  context_not_deployed: 403,
  unknown_rlid: 404,
  invalid_parameter: 400,
  invalid_cursor: 400,
  since_too_old: 410,
  not_acceptable: 406,
  invalid_request: 400,
  unavailable: 503,
  internal: 500,
};

/**
 * A refused Assignment and Grade Services request, answered with a JSON error naming the reason. A score
 * whose timestamp is not later than the stored one is 409: it conflicts with the stored state and is not
 * applied (Moodle's answer; AGS §3.4.9 defines no status, and a silent 200 would hide the tool's lost
 * update). A user who is not a gradable member is 422 (the score is well-formed, the user cannot be graded).
 */
export const AGS_STATUS: Record<AgsReason, number> = {
  ags_invalid_line_item: 400,
  ags_invalid_score: 400,
  ags_invalid_query: 400,
  ags_unsupported_media_type: 415,
  ags_not_acceptable: 406,
  bearer_invalid_token: 401,
  bearer_insufficient_scope: 403,
  invalid_json: 400,
  context_not_found: 404,
  line_item_not_found: 404,
  resource_link_not_found: 404,
  line_item_not_deletable: 403,
  user_not_gradable: 422,
  stale_timestamp: 409,
  too_large: 413,
  invalid_request: 400,
  unavailable: 503,
  internal: 500,
};

const XML = "application/xml; charset=utf-8";

/** Sends an LTI service's XML answer; a 401 carries the OAuth challenge (RFC 5849 §3.2). */
export function sendLtiXml(reply: FastifyReply, status: number, xml: string) {
  if (status === 401) reply.header("www-authenticate", 'OAuth realm=""');
  return reply.status(status).type(XML).send(xml);
}
