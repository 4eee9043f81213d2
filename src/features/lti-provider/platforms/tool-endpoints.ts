// Pluto's endpoints as an LTI 1.3 tool: the one place their paths are defined. A platform admin is
// given them (Tool details); the login and launch routes are served at these paths. The key set is
// the site's one (lti-common's JWKS_PATH): Pluto signs as a platform and as a tool with the same keys
// (the README says why that is sound).
import { JWKS_PATH } from "../../lti-common/platform-keys.service.js";

/** The OIDC third-party login initiation (LTI 1.3 Core §5.1.1): GET or POST. */
export const TOOL_LOGIN_PATH = "/lti/tool/login";
/** Where resource link launches land: the target_link_uri and a redirection URI. */
export const TOOL_LAUNCH_PATH = "/lti/tool/launch";
/** Where Deep Linking requests land: their target_link_uri and a redirection URI. */
export const TOOL_DEEP_LINKING_PATH = "/lti/tool/deep-linking";
/** Dynamic Registration: a Registration URL is this path and its token (`/lti/tool/register/<token>`). */
export const TOOL_REGISTRATION_PATH = "/lti/tool/register";
/** Where the Deep Linking picker posts the teacher's choice (Pluto's own form, not a platform's). */
export const TOOL_DEEP_LINKING_CHOICE_PATH = "/lti/tool/deep-linking/choice";
export { JWKS_PATH as TOOL_JWKS_PATH };

/** What a platform admin enters for Pluto (Moodle's "Tool details"; DR's tool configuration). */
export interface ToolDetails {
  /** Tool URL: the launch URL (target link URI). */
  toolUrl: string;
  initiateLoginUrl: string;
  /** Redirection URI(s): the launch and Deep Linking URLs, byte for byte as the platform must name them. */
  redirectUris: string[];
  publicKeysetUrl: string;
  deepLinkingUrl: string;
}

export function toolDetails(publicUrl: string): ToolDetails {
  const base = publicUrl.replace(/\/+$/, "");
  return {
    toolUrl: `${base}${TOOL_LAUNCH_PATH}`,
    initiateLoginUrl: `${base}${TOOL_LOGIN_PATH}`,
    redirectUris: [`${base}${TOOL_LAUNCH_PATH}`, `${base}${TOOL_DEEP_LINKING_PATH}`],
    publicKeysetUrl: `${base}${JWKS_PATH}`,
    deepLinkingUrl: `${base}${TOOL_DEEP_LINKING_PATH}`,
  };
}
