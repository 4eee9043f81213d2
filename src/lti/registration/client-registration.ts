// The tool's registration request, as the platform's registration endpoint receives it: Dynamic Registration
// 1.0 §3.5.2 (Client Registration Request, https://www.imsglobal.org/spec/lti-dr/v1p0#client-registration-request)
// on RFC 7591 §2 (client metadata) and OpenID Connect Dynamic Client Registration 1.0 §2; conformance cases
// 193–194, 199. Refusals are RegistrationErrors whose `body` is RFC 7591 §3.2.2's error body.
// The MUSTs beside the checks are restated from the spec, not quoted (lti-conformance.md §V: re-check the wording).
import { RegistrationError } from "../errors.js";
import { registrationUrl, TOOL_CONFIGURATION } from "./vocab.js";

export interface ToolMessage {
  type: string;
  targetLinkUri?: string;
  label?: string;
  iconUri?: string;
  customParameters: Record<string, string>;
  placements: string[];
  roles: string[];
}

export interface ToolConfiguration {
  domain: string;
  secondaryDomains: string[];
  targetLinkUri: string;
  customParameters: Record<string, string>;
  description?: string;
  claims: string[];
  messages: ToolMessage[];
}

export interface ToolRegistrationRequest {
  applicationType: "web";
  responseTypes: string[];
  grantTypes: string[];
  initiateLoginUri: string;
  redirectUris: string[];
  clientName: string;
  jwksUri: string;
  logoUri?: string;
  clientUri?: string;
  tosUri?: string;
  policyUri?: string;
  contacts: string[];
  tokenEndpointAuthMethod: "private_key_jwt";
  /** The requested scopes the platform supports: what is granted. */
  scopes: string[];
  /** Requested scopes the platform does not support, dropped (RFC 7591 §3.2.1 lets the server replace values). */
  droppedScopes: string[];
  /** Display-only fields left out, with why (an http logo, say): worth showing the admin, not a refusal. */
  ignoredFields: string[];
  toolConfiguration: ToolConfiguration;
}

export interface ParseRegistrationOptions {
  /** The scopes Pluto can grant (the openid-configuration's scopes_supported). */
  supportedScopes: readonly string[];
  /** Accept http URLs on loopback hosts (tests and local tools). */
  allowInsecureLoopback?: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const get = (o: Json, name: string): unknown => (Object.hasOwn(o, name) ? o[name] : undefined);

const MAX_STRING = 2048;
const MAX_LIST = 50;

function metadata(field: string, reason: string): never {
  throw new RegistrationError("invalid_client_metadata", `${field} ${reason}`, field);
}

function str(o: Json, name: string, field = name, max = MAX_STRING): string | undefined {
  const v = get(o, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") metadata(field, "must be a string");
  if (v.length > max) metadata(field, `must be at most ${max} characters`);
  return v;
}

function requiredStr(o: Json, name: string, field = name): string {
  const v = str(o, name, field);
  if (v === undefined || v.trim() === "") metadata(field, "is required");
  return v;
}

function strings(o: Json, name: string, field = name): string[] | undefined {
  const v = get(o, name);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string" && s.length <= MAX_STRING))
    metadata(field, "must be an array of strings");
  if (v.length > MAX_LIST) metadata(field, `must have at most ${MAX_LIST} entries`);
  return v as string[];
}

function url(o: Json, name: string, loopback: boolean, field = name): string | undefined {
  const v = str(o, name, field);
  if (v === undefined) return undefined;
  if (registrationUrl(v, loopback) === undefined) metadata(field, "must be an https URL");
  return v;
}

function requiredUrl(o: Json, name: string, loopback: boolean, field = name): string {
  return url(o, name, loopback, field) ?? metadata(field, "is required");
}

function customParameters(o: Json, name: string, field: string): Record<string, string> {
  const v = get(o, name);
  const out: Record<string, string> = {};
  if (v === undefined || v === null) return out;
  if (!isObject(v)) metadata(field, "must be an object of strings");
  const entries = Object.entries(v);
  if (entries.length > 100) metadata(field, "must have at most 100 entries");
  for (const [k, value] of entries) {
    if (k === "" || k.length > 255) metadata(field, "has an empty or over-long name");
    if (typeof value !== "string" || value.length > MAX_STRING) metadata(`${field}.${k}`, "must be a string");
    out[k] = value;
  }
  return out;
}

/** `domain`: a host name, optionally with a port; no scheme or path (DR §3.5.2.1 "the primary domain"). */
function domain(v: string, field: string): string {
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(v) || v.startsWith(".") || v.endsWith("."))
    metadata(field, "must be a host name, without scheme or path");
  return v.toLowerCase();
}

function message(v: unknown, i: number, loopback: boolean): ToolMessage {
  const field = `${TOOL_CONFIGURATION}.messages[${i}]`;
  if (!isObject(v)) metadata(field, "must be an object");
  const out: ToolMessage = {
    type: requiredStr(v, "type", `${field}.type`),
    customParameters: customParameters(v, "custom_parameters", `${field}.custom_parameters`),
    placements: strings(v, "placements", `${field}.placements`) ?? [],
    roles: strings(v, "roles", `${field}.roles`) ?? [],
  };
  const targetLinkUri = url(v, "target_link_uri", loopback, `${field}.target_link_uri`);
  const label = str(v, "label", `${field}.label`, 255);
  const iconUri = url(v, "icon_uri", loopback, `${field}.icon_uri`);
  if (targetLinkUri !== undefined) out.targetLinkUri = targetLinkUri;
  if (label !== undefined) out.label = label;
  if (iconUri !== undefined) out.iconUri = iconUri;
  return out;
}

function toolConfiguration(body: Json, loopback: boolean): ToolConfiguration {
  const c = get(body, TOOL_CONFIGURATION);
  if (c === undefined || c === null) metadata(TOOL_CONFIGURATION, "is required");
  if (!isObject(c)) metadata(TOOL_CONFIGURATION, "must be an object");
  const f = (n: string) => `${TOOL_CONFIGURATION}.${n}`;
  const rawMessages = get(c, "messages");
  if (rawMessages !== undefined && rawMessages !== null && !Array.isArray(rawMessages))
    metadata(f("messages"), "must be an array");
  const messages = (rawMessages ?? []) as unknown[];
  if (messages.length > MAX_LIST) metadata(f("messages"), `must have at most ${MAX_LIST} entries`);
  const out: ToolConfiguration = {
    domain: domain(requiredStr(c, "domain", f("domain")), f("domain")),
    secondaryDomains: (strings(c, "secondary_domains", f("secondary_domains")) ?? []).map((d) =>
      domain(d, f("secondary_domains")),
    ),
    targetLinkUri: requiredUrl(c, "target_link_uri", loopback, f("target_link_uri")),
    customParameters: customParameters(c, "custom_parameters", f("custom_parameters")),
    claims: strings(c, "claims", f("claims")) ?? [],
    messages: messages.map((m, i) => message(m, i, loopback)),
  };
  const description = str(c, "description", f("description"), 65_536);
  if (description !== undefined) out.description = description;
  return out;
}

/**
 * Validates a registration request body (parsed JSON). DR §3.5.2 and case 194: `application_type` "web",
 * `response_types` with `id_token`, `grant_types` with `implicit` and `client_credentials`,
 * `token_endpoint_auth_method` `private_key_jwt`, https `initiate_login_uri`, `redirect_uris`, `jwks_uri`, a
 * `client_name`, and the tool configuration's `domain` and `target_link_uri`. A bad redirect URI is RFC 7591's
 * `invalid_redirect_uri`, anything else `invalid_client_metadata`. Unknown message types and placements are kept
 * (case 199: ignored, not an error); unknown fields are ignored.
 */
export function parseClientRegistration(
  body: unknown,
  options: ParseRegistrationOptions,
): ToolRegistrationRequest {
  if (!isObject(body)) metadata("body", "must be a JSON object");
  const loopback = options.allowInsecureLoopback ?? false;

  // OIDC Registration §2: application_type "If omitted, the default value is web"; LTI tools are web clients.
  const applicationType = str(body, "application_type") ?? "web";
  if (applicationType !== "web") metadata("application_type", "must be web");
  const responseTypes = strings(body, "response_types") ?? [];
  if (!responseTypes.includes("id_token")) metadata("response_types", "must contain id_token");
  const grantTypes = strings(body, "grant_types") ?? [];
  for (const g of ["implicit", "client_credentials"])
    if (!grantTypes.includes(g)) metadata("grant_types", `must contain ${g}`);
  // DR §3.5.2: token_endpoint_auth_method MUST be private_key_jwt; RFC 7591's default
  // (client_secret_basic) does not apply, so an absent value is refused too.
  if (get(body, "token_endpoint_auth_method") !== "private_key_jwt")
    metadata("token_endpoint_auth_method", "must be private_key_jwt");

  // RFC 7591 §2 redirect_uris; RFC 6749 §3.1.2 "The endpoint URI MUST NOT include a fragment component".
  const rawRedirects = get(body, "redirect_uris");
  if (!Array.isArray(rawRedirects) || rawRedirects.length === 0)
    throw new RegistrationError(
      "invalid_redirect_uri",
      "redirect_uris must be a non-empty array",
      "redirect_uris",
    );
  if (rawRedirects.length > MAX_LIST)
    throw new RegistrationError(
      "invalid_redirect_uri",
      `redirect_uris has more than ${MAX_LIST} entries`,
      "redirect_uris",
    );
  const redirectUris = rawRedirects.map((r) => {
    if (registrationUrl(r, loopback) === undefined || (r as string).includes("#"))
      throw new RegistrationError(
        "invalid_redirect_uri",
        "each redirect URI must be an https URL without fragment",
        "redirect_uris",
      );
    return r as string;
  });

  const scopeText = str(body, "scope") ?? "";
  const requested = [...new Set(scopeText.split(" ").filter((s) => s !== ""))];
  const out: ToolRegistrationRequest = {
    applicationType: "web",
    responseTypes,
    grantTypes,
    initiateLoginUri: requiredUrl(body, "initiate_login_uri", loopback),
    redirectUris,
    clientName: requiredStr(body, "client_name"),
    jwksUri: requiredUrl(body, "jwks_uri", loopback),
    contacts: strings(body, "contacts") ?? [],
    tokenEndpointAuthMethod: "private_key_jwt",
    scopes: requested.filter((s) => options.supportedScopes.includes(s)),
    droppedScopes: requested.filter((s) => !options.supportedScopes.includes(s)),
    ignoredFields: [],
    toolConfiguration: toolConfiguration(body, loopback),
  };
  // Logo, client and policy URLs are only shown: one that is not https (mixed content) is left out rather than
  // refusing the tool (RFC 7591 §3.2.1: the server "MAY reject or replace any of the client's requested metadata").
  for (const [name, key] of [
    ["logo_uri", "logoUri"],
    ["client_uri", "clientUri"],
    ["tos_uri", "tosUri"],
    ["policy_uri", "policyUri"],
  ] as const) {
    const v = get(body, name);
    if (v === undefined || v === null) continue;
    const ok = registrationUrl(v, loopback);
    if (ok === undefined) out.ignoredFields.push(`${name}: not an https URL`);
    else out[key] = ok;
  }
  return out;
}
