// The tool's side of Dynamic Registration 1.0 §3.3–§3.5.1 (Registration initiation and the platform's OpenID
// configuration, https://www.imsglobal.org/spec/lti-dr/v1p0#step-1-registration-initiation-request):
// conformance cases 189–191. The platform opens the tool's registration URL with `openid_configuration` and,
// when it has one, `registration_token`; the tool fetches that document and checks it before registering.
// The MUSTs beside the checks are restated from the spec, not quoted (lti-conformance.md §V: re-check the wording).
import { ToolRegistrationError } from "../errors.js";
import type { PlatformMessage } from "./openid-configuration.js";
import { isConfigurationUrlOfIssuer } from "./openid-configuration.js";
import { PLATFORM_CONFIGURATION, registrationUrl } from "./vocab.js";

export interface RegistrationInitiation {
  openidConfiguration: string;
  /** Interop: D2L Brightspace sends none; Moodle and Canvas do (lti13-peers-and-pitfalls.md §11). */
  registrationToken?: string;
}

/** The platform's configuration, checked: what the registration request and the platform record need. */
export interface CheckedPlatformConfiguration {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  registrationEndpoint: string;
  authorizationServer?: string;
  scopesSupported: string[];
  claimsSupported: string[];
  productFamilyCode: string;
  version: string;
  messagesSupported: PlatformMessage[];
  variables: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const get = (o: Json, name: string): unknown => (Object.hasOwn(o, name) ? o[name] : undefined);

const MAX_STRING = 2048;
const MAX_LIST = 200;

function invalid(field: string, reason: string): never {
  throw new ToolRegistrationError(
    "dr_invalid_configuration",
    `The platform's configuration: ${field} ${reason}.`,
    {
      field,
    },
  );
}

/**
 * DR §3.3: the initiation request carries `openid_configuration` (required) and `registration_token`
 * (optional). A repeated parameter is refused rather than guessed at.
 */
export function parseRegistrationInitiation(
  query: Record<string, unknown>,
  opts: { allowInsecureLoopback?: boolean } = {},
): RegistrationInitiation {
  const one = (name: string): string | undefined => {
    const v = get(query, name);
    if (v === undefined) return undefined;
    if (typeof v !== "string")
      throw new ToolRegistrationError("dr_missing_configuration", `${name} is given more than once.`, {
        field: name,
      });
    return v;
  };
  const openidConfiguration = one("openid_configuration");
  if (openidConfiguration === undefined || openidConfiguration.trim() === "")
    throw new ToolRegistrationError(
      "dr_missing_configuration",
      "The platform opened this registration URL without openid_configuration: start the registration from the platform's tool registration page.",
      { field: "openid_configuration" },
    );
  if (registrationUrl(openidConfiguration, opts.allowInsecureLoopback ?? false) === undefined)
    throw new ToolRegistrationError(
      "dr_missing_configuration",
      "The platform's openid_configuration is not an https URL.",
      { field: "openid_configuration" },
    );
  const token = one("registration_token");
  return token === undefined || token === ""
    ? { openidConfiguration }
    : { openidConfiguration, registrationToken: token };
}

function str(o: Json, name: string): string | undefined {
  const v = get(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") invalid(name, "must be a string");
  if (v.length > MAX_STRING) invalid(name, `must be at most ${MAX_STRING} characters`);
  return v;
}

function requiredStr(o: Json, name: string): string {
  const v = str(o, name);
  if (v === undefined || v.trim() === "") invalid(name, "is missing");
  return v;
}

function url(o: Json, name: string, loopback: boolean, required: true): string;
function url(o: Json, name: string, loopback: boolean, required: false): string | undefined;
function url(o: Json, name: string, loopback: boolean, required: boolean): string | undefined {
  const v = required ? requiredStr(o, name) : str(o, name);
  if (v === undefined || v === "") return undefined;
  if (registrationUrl(v, loopback) === undefined) invalid(name, "must be an https URL");
  return v;
}

function strings(o: Json, name: string, required: boolean): string[] {
  const v = get(o, name);
  if (v === undefined || v === null) {
    if (required) invalid(name, "is missing");
    return [];
  }
  if (!Array.isArray(v)) invalid(name, "must be an array of strings");
  if (v.length > MAX_LIST) invalid(name, `must list at most ${MAX_LIST} values`);
  for (const x of v)
    if (typeof x !== "string" || x.length > MAX_STRING) invalid(name, "must be an array of strings");
  return v as string[];
}

/**
 * DR §3.4 `messages_supported`: an array of `{type, placements?}` objects (the spec's shape, Canvas) or, as
 * Moodle publishes it, of plain message type strings (conformance case 191). Both give `PlatformMessage`s.
 */
export function parseMessagesSupported(value: unknown): PlatformMessage[] {
  const field = "messages_supported";
  if (!Array.isArray(value)) invalid(field, "must be an array");
  if (value.length > MAX_LIST) invalid(field, `must list at most ${MAX_LIST} values`);
  const out: PlatformMessage[] = [];
  for (const m of value) {
    if (typeof m === "string" && m !== "") out.push({ type: m });
    else if (isObject(m) && typeof m.type === "string" && m.type !== "") {
      const placements = m.placements;
      if (Array.isArray(placements) && placements.every((p) => typeof p === "string"))
        out.push({ type: m.type, placements: placements as string[] });
      else out.push({ type: m.type });
    } else invalid(field, "must hold message types (strings or objects with a type)");
  }
  return out;
}

/**
 * Checks the platform's OpenID configuration document, fetched from `configurationUrl`. DR §3.5.1: the
 * issuer MUST be an https URL with no query or fragment and the configuration URL MUST start with it; the
 * authorization, token, key set and registration endpoints MUST be there; id_token_signing_alg_values_supported
 * MUST contain RS256 and token_endpoint_auth_methods_supported private_key_jwt (LTI Security Framework §5.1.1,
 * §4.1); the LTI platform configuration names the product, its version and the messages it supports.
 */
export function checkPlatformConfiguration(
  doc: unknown,
  configurationUrl: string,
  opts: { allowInsecureLoopback?: boolean } = {},
): CheckedPlatformConfiguration {
  const loopback = opts.allowInsecureLoopback ?? false;
  if (!isObject(doc)) invalid("the document", "must be a JSON object");
  const issuer = url(doc, "issuer", loopback, true);
  if (issuer.includes("?") || issuer.includes("#")) invalid("issuer", "must have no query or fragment");
  if (!isConfigurationUrlOfIssuer(issuer, configurationUrl))
    throw new ToolRegistrationError(
      "dr_issuer_mismatch",
      `The platform's issuer ${issuer} does not match the openid_configuration URL ${configurationUrl}: the configuration must be served under its issuer.`,
      { field: "issuer" },
    );
  const algs = strings(doc, "id_token_signing_alg_values_supported", true);
  if (!algs.includes("RS256"))
    invalid(
      "id_token_signing_alg_values_supported",
      "does not include RS256, the one algorithm LTI 1.3 allows",
    );
  const authMethods = strings(doc, "token_endpoint_auth_methods_supported", true);
  if (!authMethods.includes("private_key_jwt"))
    invalid("token_endpoint_auth_methods_supported", "does not include private_key_jwt");
  const lti = get(doc, PLATFORM_CONFIGURATION);
  if (!isObject(lti)) invalid(PLATFORM_CONFIGURATION, "is missing");
  const authorizationServer = url(doc, "authorization_server", loopback, false);
  const checked: CheckedPlatformConfiguration = {
    issuer,
    authorizationEndpoint: url(doc, "authorization_endpoint", loopback, true),
    tokenEndpoint: url(doc, "token_endpoint", loopback, true),
    jwksUri: url(doc, "jwks_uri", loopback, true),
    registrationEndpoint: url(doc, "registration_endpoint", loopback, true),
    scopesSupported: strings(doc, "scopes_supported", false),
    claimsSupported: strings(doc, "claims_supported", false),
    productFamilyCode: requiredStr(lti, "product_family_code"),
    version: str(lti, "version") ?? "",
    messagesSupported: parseMessagesSupported(get(lti, "messages_supported")),
    variables: strings(lti, "variables", false),
  };
  if (authorizationServer !== undefined) checked.authorizationServer = authorizationServer;
  return checked;
}
