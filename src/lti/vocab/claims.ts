// LTI 1.3 claim names, scopes and OIDC parameter values, written once. LTI 1.3 Core §5 (message claims),
// Assignment and Grade Services 2.0 §3.1 (endpoint claim, scopes), Names and Role Provisioning Services
// 2.0 §3.6 (service claim), LTI 1.3 Core §4.1 / 1EdTech Security Framework §5.1.1 (authentication request).
// Deep Linking and Dynamic Registration keep their own claim names beside their code and take these.

const LTI = "https://purl.imsglobal.org/spec/lti/claim/";

/** Claims of every LTI 1.3 message (Core §5.3 required, §5.4 optional). */
export const LTI_CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  roleScopeMentor: `${LTI}role_scope_mentor`,
  context: `${LTI}context`,
  toolPlatform: `${LTI}tool_platform`,
  launchPresentation: `${LTI}launch_presentation`,
  custom: `${LTI}custom`,
  lis: `${LTI}lis`,
  lti1p1: `${LTI}lti1p1`,
} as const;

/** The Assignment and Grade Services endpoint claim (AGS 2.0 §3.1) and its scopes (§3.2). */
export const AGS_CLAIM_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
export const AGS_SCOPE = {
  lineItem: "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
  lineItemReadOnly: "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
  resultReadOnly: "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
  score: "https://purl.imsglobal.org/spec/lti-ags/scope/score",
} as const;

/** The Names and Role Provisioning Services claim (NRPS 2.0 §3.6) and its scope. */
export const NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";
export const NRPS_SCOPE_MEMBERSHIP_READONLY =
  "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

/** `context.type` values (Core §5.4.1, the LIS course vocabulary). */
export const CONTEXT_TYPE_URI = {
  CourseTemplate: "http://purl.imsglobal.org/vocab/lis/v2/course#CourseTemplate",
  CourseOffering: "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering",
  CourseSection: "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection",
  Group: "http://purl.imsglobal.org/vocab/lis/v2/course#Group",
} as const;

/** The fixed values of an LTI authentication request (Security Framework §5.1.1.2; conformance 86, 89, 90). */
export const OIDC_AUTH_REQUEST = {
  scope: "openid",
  responseType: "id_token",
  responseMode: "form_post",
  prompt: "none",
} as const;

/** Personal claims (OpenID Connect Core §5.1) a platform may send when its privacy settings allow. */
export const PERSONAL_CLAIMS = [
  "name",
  "given_name",
  "family_name",
  "middle_name",
  "email",
  "picture",
  "locale",
] as const;
