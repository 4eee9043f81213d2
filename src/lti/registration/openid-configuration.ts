// The platform's OpenID configuration for Dynamic Registration 1.0 §3.4 (Platform OpenID Configuration,
// https://www.imsglobal.org/spec/lti-dr/v1p0#platform-configuration) on top of OpenID Connect Discovery 1.0 §3;
// conformance cases 190–191. Tools fetch it from the `openid_configuration` URL and check it (§3.5.1).
// The MUSTs beside the checks are restated from the spec, not quoted (lti-conformance.md §V: re-check the wording).
import { ParameterError } from "../errors.js";
import { MESSAGE_TYPES, PLATFORM_CONFIGURATION, registrationUrl } from "./vocab.js";

export interface PlatformMessage {
  type: string;
  placements?: readonly string[];
}

export interface PlatformConfigurationInput {
  /** OIDC Discovery §3: "URL using the https scheme with no query or fragment component". */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  registrationEndpoint: string;
  /** The `aud` a client assertion may use instead of the token endpoint (Security Framework §4.1.1). */
  authorizationServer?: string;
  /** `openid` is always listed first. */
  scopesSupported: readonly string[];
  claimsSupported?: readonly string[];
  productFamilyCode: string;
  version: string;
  messagesSupported: readonly PlatformMessage[];
  variables?: readonly string[];
  /** Accept http URLs on loopback hosts (tests). */
  allowInsecureLoopback?: boolean;
}

export interface OpenIdConfiguration {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  jwks_uri: string;
  registration_endpoint: string;
  authorization_server?: string;
  scopes_supported: string[];
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
  [PLATFORM_CONFIGURATION]: {
    product_family_code: string;
    version: string;
    messages_supported: Array<{ type: string; placements?: string[] }>;
    variables?: string[];
  };
}

/** The claims an id_token from Pluto may carry (LTI 1.3 Core §5.1–5.3 and OIDC Core §5.1). */
export const DEFAULT_CLAIMS_SUPPORTED = [
  "iss",
  "sub",
  "aud",
  "iat",
  "exp",
  "nonce",
  "name",
  "given_name",
  "family_name",
  "email",
  "picture",
  "locale",
] as const;

/** Default messages: launches and Deep Linking. */
export const DEFAULT_MESSAGES_SUPPORTED: readonly PlatformMessage[] = [
  { type: MESSAGE_TYPES.resourceLink },
  { type: MESSAGE_TYPES.deepLinkingRequest },
];

function url(name: string, value: string, loopback: boolean): string {
  const v = registrationUrl(value, loopback);
  if (v === undefined) throw new ParameterError("invalid_parameter", name, "not an https URL");
  return v;
}

/**
 * Builds the document. DR §3.4 lists what the platform MUST publish; the fixed values are the only ones LTI
 * allows: token_endpoint_auth_methods_supported MUST contain private_key_jwt, signing algorithms RS256,
 * response type id_token.
 */
export function buildOpenIdConfiguration(input: PlatformConfigurationInput): OpenIdConfiguration {
  const loopback = input.allowInsecureLoopback ?? false;
  const issuer = url("issuer", input.issuer, loopback);
  const parsed = new URL(issuer);
  if (parsed.search !== "" || parsed.hash !== "" || issuer.includes("?") || issuer.includes("#"))
    throw new ParameterError("invalid_parameter", "issuer", "has a query or fragment");
  if (input.productFamilyCode === "") throw new ParameterError("missing_parameter", "product_family_code");
  if (input.version === "") throw new ParameterError("missing_parameter", "version");
  const doc: OpenIdConfiguration = {
    issuer,
    authorization_endpoint: url("authorization_endpoint", input.authorizationEndpoint, loopback),
    token_endpoint: url("token_endpoint", input.tokenEndpoint, loopback),
    token_endpoint_auth_methods_supported: ["private_key_jwt"],
    token_endpoint_auth_signing_alg_values_supported: ["RS256"],
    jwks_uri: url("jwks_uri", input.jwksUri, loopback),
    registration_endpoint: url("registration_endpoint", input.registrationEndpoint, loopback),
    scopes_supported: ["openid", ...new Set(input.scopesSupported.filter((s) => s !== "openid"))],
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    claims_supported: [...(input.claimsSupported ?? DEFAULT_CLAIMS_SUPPORTED)],
    [PLATFORM_CONFIGURATION]: {
      product_family_code: input.productFamilyCode,
      version: input.version,
      messages_supported: input.messagesSupported.map((m) =>
        m.placements === undefined ? { type: m.type } : { type: m.type, placements: [...m.placements] },
      ),
    },
  };
  if (input.authorizationServer !== undefined) doc.authorization_server = input.authorizationServer;
  if (input.variables !== undefined) doc[PLATFORM_CONFIGURATION].variables = [...input.variables];
  return doc;
}

/**
 * DR §3.5.1: the tool MUST check the issuer against the openid_configuration URL; Pluto serves its
 * configuration under its issuer so that this holds. True when `configurationUrl` starts with the issuer at a
 * path boundary.
 */
export function isConfigurationUrlOfIssuer(issuer: string, configurationUrl: string): boolean {
  if (!configurationUrl.startsWith(issuer)) return false;
  const rest = configurationUrl.slice(issuer.length);
  return rest === "" || issuer.endsWith("/") || rest.startsWith("/");
}
