// The tool's registration request and the platform's answer: Dynamic Registration 1.0 §3.5.2 (Client
// Registration Request) and §3.6 (Client Registration Response), on RFC 7591 §2–§3.2 and OpenID Connect Dynamic
// Client Registration 1.0 §2; conformance cases 192–197. parseClientRegistration (client-registration.ts) is
// the platform's side of the same document.
// The MUSTs beside the checks are restated from the spec, not quoted (lti-conformance.md §V: re-check the wording).
import { ToolRegistrationError } from "../errors.js";
import type { CheckedPlatformConfiguration } from "./platform-configuration-check.js";
import {
  EMAIL_CLAIMS,
  LTI_SCOPES,
  MESSAGE_TYPES,
  NAME_CLAIMS,
  PICTURE_CLAIMS,
  TOOL_CONFIGURATION,
} from "./vocab.js";

/** What the tool says of itself: its endpoints (all absolute) and how platforms show it. */
export interface ToolRegistrationInput {
  clientName: string;
  initiateLoginUri: string;
  redirectUris: readonly string[];
  jwksUri: string;
  /** The resource link launch URL (the tool configuration's target_link_uri). */
  targetLinkUri: string;
  /** The Deep Linking request URL, listed when the platform supports LtiDeepLinkingRequest. */
  deepLinkingUri: string;
  description?: string;
  logoUri?: string;
}

/** The scopes Pluto uses: grades back by AGS, members by NRPS. */
export const TOOL_SCOPES: readonly string[] = [
  LTI_SCOPES.agsLineItem,
  LTI_SCOPES.agsLineItemReadOnly,
  LTI_SCOPES.agsResultReadOnly,
  LTI_SCOPES.agsScore,
  LTI_SCOPES.nrpsContextMembershipReadOnly,
];

/** The claims Pluto keeps from a launch (names, email, picture), besides the ones every id_token has. */
export const TOOL_CLAIMS: readonly string[] = [
  "iss",
  "sub",
  ...NAME_CLAIMS,
  ...EMAIL_CLAIMS,
  ...PICTURE_CLAIMS,
];

export interface ToolRegistrationRequestBody {
  application_type: "web";
  response_types: ["id_token"];
  grant_types: ["implicit", "client_credentials"];
  initiate_login_uri: string;
  redirect_uris: string[];
  client_name: string;
  jwks_uri: string;
  logo_uri?: string;
  token_endpoint_auth_method: "private_key_jwt";
  scope: string;
  [TOOL_CONFIGURATION]: {
    domain: string;
    target_link_uri: string;
    description?: string;
    claims: string[];
    messages: Array<{ type: string; target_link_uri: string; label: string }>;
  };
}

const supports = (p: CheckedPlatformConfiguration, type: string) =>
  p.messagesSupported.some((m) => m.type === type);

/**
 * Builds the registration request (conformance case 193). DR §3.5.2: application_type MUST be web,
 * response_types id_token, grant_types implicit and client_credentials, token_endpoint_auth_method
 * private_key_jwt; `scope` is space-separated and asks only for scopes the platform lists in
 * scopes_supported; the tool configuration's `domain` and `target_link_uri` are required. The Deep Linking
 * message is listed only when the platform supports it.
 */
export function buildToolRegistrationRequest(
  tool: ToolRegistrationInput,
  platform: CheckedPlatformConfiguration,
): ToolRegistrationRequestBody {
  const supported = new Set(platform.scopesSupported);
  const messages: ToolRegistrationRequestBody[typeof TOOL_CONFIGURATION]["messages"] = [
    { type: MESSAGE_TYPES.resourceLink, target_link_uri: tool.targetLinkUri, label: tool.clientName },
  ];
  if (supports(platform, MESSAGE_TYPES.deepLinkingRequest))
    messages.push({
      type: MESSAGE_TYPES.deepLinkingRequest,
      target_link_uri: tool.deepLinkingUri,
      label: tool.clientName,
    });
  const body: ToolRegistrationRequestBody = {
    application_type: "web",
    response_types: ["id_token"],
    grant_types: ["implicit", "client_credentials"],
    initiate_login_uri: tool.initiateLoginUri,
    redirect_uris: [...tool.redirectUris],
    client_name: tool.clientName,
    jwks_uri: tool.jwksUri,
    token_endpoint_auth_method: "private_key_jwt",
    scope: TOOL_SCOPES.filter((s) => supported.has(s)).join(" "),
    [TOOL_CONFIGURATION]: {
      domain: new URL(tool.targetLinkUri).host,
      target_link_uri: tool.targetLinkUri,
      claims: [...TOOL_CLAIMS],
      messages,
    },
  };
  if (tool.logoUri !== undefined) body.logo_uri = tool.logoUri;
  if (tool.description !== undefined) body[TOOL_CONFIGURATION].description = tool.description;
  return body;
}

/** What the platform registered: the client id, the deployment id when it made one, the granted scopes. */
export interface ToolRegistrationResult {
  clientId: string;
  deploymentId?: string;
  /** The scope the platform answered (space-separated), "" when it gave none. */
  scope: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const MAX_ID = 255;
const MAX_EXCERPT = 300;

function excerpt(s: string): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > MAX_EXCERPT ? `${flat.slice(0, MAX_EXCERPT)}…` : flat;
}

/** The reason in a refusal: RFC 7591 §3.2.2 `{error, error_description}`, or Canvas's `{errors: [...]}`. */
function refusal(status: number, text: string): ToolRegistrationError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (isObject(json) && typeof json.error === "string") {
    const description =
      typeof json.error_description === "string" ? `: ${excerpt(json.error_description)}` : "";
    return new ToolRegistrationError(
      "dr_platform_refused",
      `The platform refused the registration (${status} ${excerpt(json.error)}${description}).`,
      { status, platformError: json.error },
    );
  }
  // Interop: Canvas answers 422 with {errors: [...]} (instructure/canvas-lms#2396).
  if (isObject(json) && Array.isArray(json.errors)) {
    const list = json.errors.map((e) => (typeof e === "string" ? e : JSON.stringify(e))).join("; ");
    return new ToolRegistrationError(
      "dr_platform_refused",
      `The platform refused the registration (${status}: ${excerpt(list)}).`,
      { status },
    );
  }
  const body = excerpt(text);
  return new ToolRegistrationError(
    "dr_platform_refused",
    `The platform refused the registration (${status}${body === "" ? "" : `: ${body}`}).`,
    { status },
  );
}

function id(v: unknown, name: string): string | undefined {
  // Interop: some platforms number their deployments; DR §3.6 says a string, and a number is the same id.
  const s = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
  if (s === undefined || s === null) return undefined;
  if (typeof s !== "string" || s === "" || s.length > MAX_ID || /\p{Cc}/u.test(s))
    throw new ToolRegistrationError(
      "dr_invalid_response",
      `The platform's registration answer has an unusable ${name}.`,
      { field: name },
    );
  return s;
}

/**
 * Parses the registration endpoint's answer. DR §3.6: a success is 200 or 201 with the registered client,
 * its `client_id`, and the `deployment_id` inside the tool configuration (optional: a platform may deploy the
 * tool later). Any other status is the platform's refusal, its reason taken from the body.
 */
export function parseToolRegistrationResponse(status: number, text: string): ToolRegistrationResult {
  if (status !== 200 && status !== 201) throw refusal(status, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!isObject(json))
    throw new ToolRegistrationError(
      "dr_invalid_response",
      "The platform's registration answer is not a JSON object.",
    );
  const clientId = id(json.client_id, "client_id");
  if (clientId === undefined)
    throw new ToolRegistrationError(
      "dr_invalid_response",
      "The platform's registration answer has no client_id.",
      {
        field: "client_id",
      },
    );
  const config = json[TOOL_CONFIGURATION];
  const deploymentId = isObject(config) ? id(config.deployment_id, "deployment_id") : undefined;
  const scope = typeof json.scope === "string" ? json.scope : "";
  return deploymentId === undefined ? { clientId, scope } : { clientId, deploymentId, scope };
}
