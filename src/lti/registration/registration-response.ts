// The platform's answer to a valid registration (Dynamic Registration 1.0 §3.6, Client Registration Response,
// https://www.imsglobal.org/spec/lti-dr/v1p0#client-registration-response; RFC 7591 §3.2.1; case 196), and what
// the registration asks for, for the admin who approves a Pending tool (cases 199–200).
import type { ToolMessage, ToolRegistrationRequest } from "./client-registration.js";
import {
  AGS_SCOPES,
  EMAIL_CLAIMS,
  LTI_SCOPES,
  MESSAGE_TYPES,
  NAME_CLAIMS,
  NRPS_SCOPES,
  PICTURE_CLAIMS,
  TOOL_CONFIGURATION,
} from "./vocab.js";

export interface RegistrationResponseInput {
  clientId: string;
  deploymentId: string;
  /** RFC 7592's client configuration endpoint, when Pluto offers one. */
  registrationClientUri?: string;
}

function messageJson(m: ToolMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { type: m.type };
  if (m.targetLinkUri !== undefined) out.target_link_uri = m.targetLinkUri;
  if (m.label !== undefined) out.label = m.label;
  if (m.iconUri !== undefined) out.icon_uri = m.iconUri;
  if (Object.keys(m.customParameters).length > 0) out.custom_parameters = m.customParameters;
  if (m.placements.length > 0) out.placements = m.placements;
  if (m.roles.length > 0) out.roles = m.roles;
  return out;
}

/**
 * The response body: RFC 7591 §3.2.1 "all registered metadata about the client" plus `client_id`, with the
 * granted `scope`, and DR §3.6's `deployment_id` inside the tool configuration. Every single-valued field is a
 * scalar (Interop: Moodle's reply sets `application_type` to an array, case 196).
 */
export function buildRegistrationResponse(
  reg: ToolRegistrationRequest,
  input: RegistrationResponseInput,
): Record<string, unknown> {
  const c = reg.toolConfiguration;
  const config: Record<string, unknown> = {
    domain: c.domain,
    target_link_uri: c.targetLinkUri,
    deployment_id: input.deploymentId,
    claims: c.claims,
    messages: c.messages.map(messageJson),
  };
  if (c.secondaryDomains.length > 0) config.secondary_domains = c.secondaryDomains;
  if (Object.keys(c.customParameters).length > 0) config.custom_parameters = c.customParameters;
  if (c.description !== undefined) config.description = c.description;
  const body: Record<string, unknown> = {
    client_id: input.clientId,
    application_type: reg.applicationType,
    response_types: reg.responseTypes,
    grant_types: reg.grantTypes,
    initiate_login_uri: reg.initiateLoginUri,
    redirect_uris: reg.redirectUris,
    client_name: reg.clientName,
    jwks_uri: reg.jwksUri,
    token_endpoint_auth_method: reg.tokenEndpointAuthMethod,
    scope: reg.scopes.join(" "),
    [TOOL_CONFIGURATION]: config,
  };
  if (input.registrationClientUri !== undefined) body.registration_client_uri = input.registrationClientUri;
  if (reg.logoUri !== undefined) body.logo_uri = reg.logoUri;
  if (reg.clientUri !== undefined) body.client_uri = reg.clientUri;
  if (reg.tosUri !== undefined) body.tos_uri = reg.tosUri;
  if (reg.policyUri !== undefined) body.policy_uri = reg.policyUri;
  if (reg.contacts.length > 0) body.contacts = reg.contacts;
  return body;
}

/** What a registration asks for, in the words of the admin's tool form. */
export interface RegistrationSummary {
  name: string;
  domain: string;
  targetLinkUri: string;
  initiateLoginUri: string;
  redirectUris: string[];
  jwksUri: string;
  services: {
    /** Any AGS scope: "IMS LTI Assignment and Grade Services". */
    ags: boolean;
    /** The score scope: "Accept grades from the tool". */
    acceptGrades: boolean;
    /** The NRPS scope: "IMS LTI Names and Role Provisioning". */
    nrps: boolean;
  };
  /** Case 200: the personal claims requested, mapped to the privacy settings. */
  privacy: { shareName: boolean; shareEmail: boolean; sharePicture: boolean };
  deepLinking: { supported: boolean; url?: string; label?: string };
  /** Every placement named by any message, deduplicated. */
  placements: string[];
  messageTypes: string[];
  /** Message types Pluto does not send (case 199: kept, not an error). */
  unknownMessageTypes: string[];
  grantedScopes: string[];
  droppedScopes: string[];
  /** Display fields left out of the registration (an http logo). */
  ignoredFields: string[];
  customParameters: Record<string, string>;
  description?: string;
  logoUri?: string;
}

export function describeRegistration(reg: ToolRegistrationRequest): RegistrationSummary {
  const c = reg.toolConfiguration;
  const has = (list: readonly string[]) => c.claims.some((x) => list.includes(x));
  const known: readonly string[] = Object.values(MESSAGE_TYPES);
  const dl = c.messages.find((m) => m.type === MESSAGE_TYPES.deepLinkingRequest);
  const summary: RegistrationSummary = {
    name: reg.clientName,
    domain: c.domain,
    targetLinkUri: c.targetLinkUri,
    initiateLoginUri: reg.initiateLoginUri,
    redirectUris: reg.redirectUris,
    jwksUri: reg.jwksUri,
    services: {
      ags: reg.scopes.some((s) => AGS_SCOPES.includes(s)),
      acceptGrades: reg.scopes.includes(LTI_SCOPES.agsScore),
      nrps: reg.scopes.some((s) => NRPS_SCOPES.includes(s)),
    },
    privacy: {
      shareName: has(NAME_CLAIMS),
      shareEmail: has(EMAIL_CLAIMS),
      sharePicture: has(PICTURE_CLAIMS),
    },
    deepLinking: { supported: dl !== undefined },
    placements: [...new Set(c.messages.flatMap((m) => m.placements))],
    messageTypes: [...new Set(c.messages.map((m) => m.type))],
    unknownMessageTypes: [...new Set(c.messages.map((m) => m.type).filter((t) => !known.includes(t)))],
    grantedScopes: reg.scopes,
    droppedScopes: reg.droppedScopes,
    ignoredFields: reg.ignoredFields,
    customParameters: c.customParameters,
  };
  // DR §3.5.2.1 messages[].target_link_uri: absent means the tool's target_link_uri.
  if (dl !== undefined) summary.deepLinking.url = dl.targetLinkUri ?? c.targetLinkUri;
  if (dl?.label !== undefined) summary.deepLinking.label = dl.label;
  if (c.description !== undefined) summary.description = c.description;
  if (reg.logoUri !== undefined) summary.logoUri = reg.logoUri;
  return summary;
}
