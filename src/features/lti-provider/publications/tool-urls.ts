// The paths of Pluto's LTI 1.3 tool endpoints (OIDC login initiation, launch, deep linking), as a
// publication names them to the platform; the endpoints themselves live with the tool-side launch.
export const TOOL_LOGIN_PATH = "/lti/tool/login";
export const TOOL_LAUNCH_PATH = "/lti/tool/launch";
export const TOOL_DEEP_LINKING_PATH = "/lti/tool/deep-linking";
/** Pluto's public key set (served by ../../lti-common/platform-keys.routes.tsx): the tool's keys too. */
export const PUBLIC_KEYSET_PATH = "/lti/jwks";
