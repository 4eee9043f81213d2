// The id_token a platform form-posts to Pluto's redirect URI (Pluto published as an LTI 1.3 tool), verified
// before anything is written: 1EdTech Security Framework §5.1.3 (id_token validation), OpenID Connect Core
// §3.1.3.7, LTI 1.3 Core §5.3–5.4 (required and optional claims), Deep Linking 2.0 §4.4 (the request's
// settings). Conformance cases 98–111 and 115–125; the certification's known bad payloads (§T, 6.1.1).
//
// The signature, kid, algorithm, iss, aud/azp, exp and iat checks are verifyToolJwt's (jwt-verify.ts) with the
// roles swapped (iss = the platform, aud = Pluto's client_id); the key set comes in as a KeysetPort (one
// refetch on an unknown kid, jwks-cache.ts). The only write, the nonce's consumption, comes last.
import { timingSafeEqual } from "node:crypto";
import { JwtError, MessageError, ParameterError, ToolLaunchError } from "../errors.js";
import type { Clock, KeysetPort } from "../ports.js";
import { AGS_CLAIM_ENDPOINT, LTI_CLAIM, NRPS_CLAIM } from "../vocab/claims.js";
import {
  type DocumentTarget,
  isDocumentTarget,
  LTI13_MESSAGE_TYPES,
  LTI13_VERSION,
} from "../vocab/messages.js";
import { isInstructorRole, isLearnerRole } from "../vocab/roles.js";
import { DEFAULT_CLOCK_SKEW_SECONDS, verifyToolJwt } from "./jwt-verify.js";
import { type BrowserProof, isHttpUrl, type LoginBinding, type RegisteredPlatform } from "./tool-login.js";

const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";
/** The Deep Linking request's settings claim (Deep Linking 2.0 §4.4.1). */
export const DEEP_LINKING_SETTINGS_CLAIM = `${DL}deep_linking_settings`;

/** The oldest `iat` accepted by default: a platform posts its id_token within seconds of signing it. */
export const DEFAULT_LAUNCH_MAX_AGE_SECONDS = 600;

/**
 * Marks a nonce as used until `expiresAt`. Resolves true when this call consumed it, false when it was
 * consumed before (a replay). Must be atomic. `nonceStoreConsumer` adapts a NonceStore.
 */
export type ConsumeNonce = (nonce: string, expiresAt: Date) => Promise<boolean>;

export interface VerifyToolLaunchOptions {
  /** The login binding stored under the posted `state`; undefined when none was found. */
  binding: LoginBinding | undefined;
  /** What the browser showed (its state cookie, or its Platform Storage values). */
  browser: BrowserProof;
  /** Loads the registration the binding names; undefined when it was deleted since the login. */
  findPlatform: (id: string) => RegisteredPlatform | undefined | Promise<RegisteredPlatform | undefined>;
  /** The platform's key set (its JWKS through cachedKeyset, or a pasted key through staticKeyset). */
  keysFor: (platform: RegisteredPlatform) => KeysetPort;
  consumeNonce: ConsumeNonce;
  /** True for one of Pluto's own launch URLs (case 101). */
  isOwnLaunchUrl: (url: string) => boolean;
  clock: Clock;
  /**
   * Accept a launch without `sub` (LTI Core §5.3.6: a platform "MUST NOT include the sub claim" for an
   * anonymous launch). Default false: case 103 and the certification's "user Claim Missing" refuse it.
   */
  allowAnonymous?: boolean;
  maxAgeSeconds?: number;
  clockSkewSeconds?: number;
}

export interface LaunchPerson {
  name?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string;
  email?: string;
  picture?: string;
  locale?: string;
}

export interface DeepLinkingSettings {
  deepLinkReturnUrl: string;
  acceptTypes: string[];
  acceptPresentationDocumentTargets: string[];
  acceptMediaTypes?: string;
  acceptMultiple?: boolean;
  acceptLineItem?: boolean;
  autoCreate?: boolean;
  title?: string;
  text?: string;
  /** Opaque: to be returned unchanged in the response's `data` claim. */
  data?: string;
}

/** A launch whose id_token passed every check, in the protocol's terms. */
export interface VerifiedToolLaunch {
  platform: { id: string; issuer: string; clientId: string };
  deploymentId: string;
  messageType: "LtiResourceLinkRequest" | "LtiDeepLinkingRequest";
  /** The user's id at the platform; undefined only for an anonymous launch (`allowAnonymous`). */
  sub: string | undefined;
  /** As sent (may be empty, case 104). */
  roles: string[];
  roleScopeMentor: string[];
  person: LaunchPerson;
  targetLinkUri: string;
  /** Required for LtiResourceLinkRequest (case 102); optional for LtiDeepLinkingRequest. */
  resourceLink?: { id: string; title?: string; description?: string };
  context?: { id: string; label?: string; title?: string; type: string[] };
  toolPlatform?: Record<string, unknown>;
  presentation: {
    documentTarget?: DocumentTarget;
    returnUrl?: string;
    locale?: string;
    width?: number;
    height?: number;
  };
  /** String values only (Core §5.4.6), `$ResourceLink.id.history` and the like untouched. */
  custom: Record<string, string>;
  lis?: Record<string, string>;
  /** AGS 2.0 §3.1. */
  ags?: { scope: string[]; lineitems?: string; lineitem?: string };
  /** NRPS 2.0 §3.6. */
  nrps?: { contextMembershipsUrl: string; serviceVersions: string[] };
  /** The LTI 1.1 migration claim, as sent (the migration checks its signature). */
  lti1p1?: unknown;
  deepLinking?: DeepLinkingSettings;
  kid: string;
  /** Every claim, for what this type does not name. */
  claims: Record<string, unknown>;
}

/** A NonceStore as a ConsumeNonce, scoped per platform issuer. */
export function nonceStoreConsumer(
  store: { seen(scope: string, nonce: string, expiresAt: Date): Promise<boolean> },
  scope: string,
): ConsumeNonce {
  return async (nonce, expiresAt) => !(await store.seen(scope, nonce, expiresAt));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Tool-side wording for verifyToolJwt's refusals (its own speaks of a tool's JWT sent to the platform). */
const JWT_MESSAGES: Partial<Record<JwtError["code"], string>> = {
  jwt_unknown_kid: "No key with this kid in the platform's key set",
  jwt_keyset_unavailable: "The platform's key set could not be read",
  jwt_wrong_issuer: "Claim iss is not the platform's issuer",
  jwt_wrong_audience: "The id_token is not addressed to Pluto's client_id",
  jwt_key_mismatch: "The key with this kid is not an RSA signing key for RS256",
};

function readForm(form: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = form[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw new ParameterError("invalid_parameter", name, "not a single string");
  return v;
}

/**
 * Verifies a launch POST (`id_token`, `state`; case 126: the form body only, never a query string). Order:
 * the platform's error (case 125), the state and its browser proof (case 124), the JWT (cases 115–122), the
 * nonce against the login's (case 123), the LTI claims (98–110), and last the nonce's single use, so a refused
 * launch writes nothing. Rejects with a ParameterError, JwtError, MessageError or ToolLaunchError.
 */
export async function verifyToolLaunch(
  form: Readonly<Record<string, unknown>>,
  options: VerifyToolLaunchOptions,
): Promise<VerifiedToolLaunch> {
  // Case 125: "The platform may POST error, error_description and state instead of an id_token."
  const error = readForm(form, "error");
  if (error !== undefined) {
    const description = readForm(form, "error_description");
    throw new ToolLaunchError(
      "launch_platform_error",
      `The platform refused the launch: ${error.slice(0, 100)}`,
      {
        error: error.slice(0, 200),
        ...(description === undefined ? {} : { errorDescription: description.slice(0, 500) }),
      },
    );
  }
  const idToken = readForm(form, "id_token");
  if (idToken === undefined) throw new ParameterError("missing_parameter", "id_token");
  const state = readForm(form, "state");
  if (state === undefined) throw new ParameterError("missing_parameter", "state");

  const binding = options.binding;
  if (binding === undefined || !sameText(binding.state, state))
    throw new ToolLaunchError(
      "state_unknown",
      "No login is pending with this state (start the launch again)",
    );
  if (options.clock.now().getTime() > binding.expiresAt.getTime())
    throw new ToolLaunchError("state_expired", "The login took too long (start the launch again)");
  checkBrowserProof(binding, options.browser);

  const platform = await options.findPlatform(binding.platformId);
  if (
    platform === undefined ||
    platform.issuer !== binding.issuer ||
    platform.clientId !== binding.clientId
  ) {
    throw new ToolLaunchError("platform_unknown", "The platform of this login is no longer registered", {
      issuer: binding.issuer,
      clientId: binding.clientId,
    });
  }
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  let verified: Awaited<ReturnType<typeof verifyToolJwt>>;
  try {
    verified = await verifyToolJwt(idToken, {
      expectedIssuer: platform.issuer,
      expectedAudience: platform.clientId,
      trustAudiencesWithAzp: true,
      keys: options.keysFor(platform),
      clock: options.clock,
      maxAgeSeconds: options.maxAgeSeconds ?? DEFAULT_LAUNCH_MAX_AGE_SECONDS,
      clockSkewSeconds: skew,
    });
  } catch (e) {
    if (e instanceof JwtError && JWT_MESSAGES[e.code] !== undefined)
      throw new JwtError(e.code, JWT_MESSAGES[e.code]!, e.details, { cause: e });
    throw e;
  }
  const claims = verified.payload;
  // Case 111 and 123: the nonce is required and must be the one created at login for this state.
  if (typeof claims.nonce !== "string" || claims.nonce === "")
    throw new JwtError("jwt_missing_claim", "Claim nonce is required", { claim: "nonce" });
  if (!sameText(claims.nonce, binding.nonce)) {
    throw new ToolLaunchError("nonce_mismatch", "Claim nonce is not the one sent at login for this state", {
      claim: "nonce",
      issuer: platform.issuer,
    });
  }
  const launch = readLaunchClaims(claims, platform, binding, options);
  launch.kid = verified.kid;
  // Case 123: single use, kept at least for the token's lifetime.
  const expiresAt = new Date(((claims.exp as number) + skew) * 1000);
  if (!(await options.consumeNonce(claims.nonce, expiresAt)))
    throw new JwtError("jwt_nonce_reused", "This id_token was already used", { claim: "nonce" });
  return launch;
}

function checkBrowserProof(binding: LoginBinding, proof: BrowserProof): void {
  // Case 124: "The POST state must match the browser-bound value (cookie or platform storage). Missing or
  // different: REJECT". Case 207: with storage, the nonce is compared too.
  const ok =
    proof.kind === "cookie"
      ? proof.value !== undefined && sameText(proof.value, binding.state)
      : proof.state !== undefined &&
        proof.nonce !== undefined &&
        sameText(proof.state, binding.state) &&
        sameText(proof.nonce, binding.nonce);
  if (!ok) {
    throw new ToolLaunchError("state_mismatch", "This browser did not start the login for this state", {
      reason: `${proof.kind}: ${
        (proof.kind === "cookie" ? proof.value : proof.state) === undefined ? "absent" : "different"
      }`,
    });
  }
}

const missing = (claim: string, message = `Claim ${claim} is required`) =>
  new ToolLaunchError("launch_missing_claim", message, { claim });
const invalid = (claim: string, reason: string) =>
  new ToolLaunchError("launch_invalid_claim", `Claim ${claim} is invalid: ${reason}`, { claim, reason });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A string claim member: absent (undefined) or a string; anything else refused. */
function optionalString(v: unknown, claim: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(claim, "not a string");
  return v;
}

/** LTI Core: ids are at most 255 ASCII characters and case-sensitive (cases 100, 102). */
function requiredId(v: unknown, claim: string): string {
  if (v === undefined || v === null || v === "") throw missing(claim);
  if (typeof v !== "string") throw invalid(claim, "not a string");
  if (v.length > 255) throw invalid(claim, "longer than 255 characters");
  return v;
}

function stringArray(v: unknown, claim: string): string[] {
  if (!Array.isArray(v) || !v.every((r) => typeof r === "string"))
    throw invalid(claim, "not an array of strings");
  return v as string[];
}

function absoluteUrl(v: unknown, claim: string): string {
  if (typeof v !== "string") throw invalid(claim, "not a string");
  try {
    const u = new URL(v);
    if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("scheme");
  } catch {
    throw invalid(claim, "not an absolute http(s) URL");
  }
  return v;
}

function readLaunchClaims(
  claims: Record<string, unknown>,
  platform: RegisteredPlatform,
  binding: LoginBinding,
  options: VerifyToolLaunchOptions,
): VerifiedToolLaunch {
  // Case 98: message type, then case 99: the version.
  const messageType = claims[LTI_CLAIM.messageType];
  if (messageType === undefined) throw missing("message_type");
  if (
    messageType !== LTI13_MESSAGE_TYPES.resourceLink &&
    messageType !== LTI13_MESSAGE_TYPES.deepLinkingRequest
  )
    throw unsupported("message_type", messageType);
  const version = claims[LTI_CLAIM.version];
  if (version === undefined) throw missing("version");
  if (version !== LTI13_VERSION) throw unsupported("version", version);
  // Case 100: required, registered for this client; case 83: the one the login initiation named.
  const deploymentId = requiredId(claims[LTI_CLAIM.deploymentId], "deployment_id");
  const where = { issuer: platform.issuer, clientId: platform.clientId, deploymentId };
  if (!platform.deploymentIds.includes(deploymentId))
    throw new ToolLaunchError(
      "deployment_unknown",
      "This deployment is not registered for the platform",
      where,
    );
  if (binding.deploymentId !== undefined && binding.deploymentId !== deploymentId) {
    throw new ToolLaunchError(
      "deployment_mismatch",
      "Claim deployment_id is not the lti_deployment_id of the login initiation",
      where,
    );
  }
  // Case 101: present, and one of Pluto's own URLs. It is the URL to route to (signed); LTI Core §5.3.4 wants it
  // equal to the login initiation's, which is not enforced: both are Pluto's, and peers have sent different
  // ones (xblock-lti-consumer before 3.4.1).
  const targetLinkUri = claims[LTI_CLAIM.targetLinkUri];
  if (targetLinkUri === undefined || targetLinkUri === "") throw missing("target_link_uri");
  if (
    typeof targetLinkUri !== "string" ||
    !isHttpUrl(targetLinkUri) ||
    !options.isOwnLaunchUrl(targetLinkUri)
  ) {
    throw new ToolLaunchError(
      "target_link_uri_foreign",
      "Claim target_link_uri is not one of Pluto's launch URLs",
      {
        claim: "target_link_uri",
      },
    );
  }
  // Case 103: sub, unless anonymous launches are allowed.
  let sub: string | undefined;
  if (claims.sub === undefined || claims.sub === "") {
    if (options.allowAnonymous !== true)
      throw missing("sub", "Claim sub is required (anonymous launches are off)");
  } else sub = requiredId(claims.sub, "sub");
  // Case 104: present, may be empty.
  if (claims[LTI_CLAIM.roles] === undefined) throw missing("roles");
  const roles = stringArray(claims[LTI_CLAIM.roles], "roles");
  const mentor = claims[LTI_CLAIM.roleScopeMentor];
  const roleScopeMentor = mentor === undefined ? [] : stringArray(mentor, "role_scope_mentor");

  const out: VerifiedToolLaunch = {
    platform: { id: platform.id, issuer: platform.issuer, clientId: platform.clientId },
    deploymentId,
    messageType,
    sub,
    roles,
    roleScopeMentor,
    person: readPerson(claims),
    targetLinkUri,
    presentation: {},
    custom: {},
    kid: "",
    claims,
  };
  // Case 102: resource_link.id for a resource link launch.
  const link = claims[LTI_CLAIM.resourceLink];
  if (link === undefined && messageType === LTI13_MESSAGE_TYPES.resourceLink) throw missing("resource_link");
  if (link !== undefined) {
    if (!isObject(link)) throw invalid("resource_link", "not an object");
    const id = requiredId(link.id, "resource_link.id");
    const title = optionalString(link.title, "resource_link.title");
    const description = optionalString(link.description, "resource_link.description");
    out.resourceLink = {
      id,
      ...(title === undefined ? {} : { title }),
      ...(description === undefined ? {} : { description }),
    };
  }
  // Case 105: optional; with an id when present.
  const context = claims[LTI_CLAIM.context];
  if (context !== undefined) {
    if (!isObject(context)) throw invalid("context", "not an object");
    const id = requiredId(context.id, "context.id");
    const label = optionalString(context.label, "context.label");
    const title = optionalString(context.title, "context.title");
    const type = context.type === undefined ? [] : stringArray(context.type, "context.type");
    out.context = {
      id,
      type,
      ...(label === undefined ? {} : { label }),
      ...(title === undefined ? {} : { title }),
    };
  }
  const toolPlatform = claims[LTI_CLAIM.toolPlatform];
  if (isObject(toolPlatform)) out.toolPlatform = toolPlatform;
  out.presentation = readPresentation(claims[LTI_CLAIM.launchPresentation]);
  // Case 108: an object of strings; the tool must not require it. Values that are not strings are dropped.
  const custom = claims[LTI_CLAIM.custom];
  if (custom !== undefined) {
    if (!isObject(custom)) throw invalid("custom", "not an object");
    for (const [k, v] of Object.entries(custom)) if (typeof v === "string") out.custom[k] = v;
  }
  const lis = claims[LTI_CLAIM.lis];
  if (isObject(lis)) {
    out.lis = Object.fromEntries(
      Object.entries(lis).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  }
  if (claims[LTI_CLAIM.lti1p1] !== undefined) out.lti1p1 = claims[LTI_CLAIM.lti1p1];
  const ags = claims[AGS_CLAIM_ENDPOINT];
  if (ags !== undefined) {
    if (!isObject(ags)) throw invalid("ags endpoint", "not an object");
    out.ags = {
      scope: ags.scope === undefined ? [] : stringArray(ags.scope, "ags endpoint.scope"),
      ...(ags.lineitems === undefined
        ? {}
        : { lineitems: absoluteUrl(ags.lineitems, "ags endpoint.lineitems") }),
      ...(ags.lineitem === undefined ? {} : { lineitem: absoluteUrl(ags.lineitem, "ags endpoint.lineitem") }),
    };
  }
  const nrps = claims[NRPS_CLAIM];
  if (nrps !== undefined) {
    if (!isObject(nrps)) throw invalid("namesroleservice", "not an object");
    out.nrps = {
      contextMembershipsUrl: absoluteUrl(
        nrps.context_memberships_url,
        "namesroleservice.context_memberships_url",
      ),
      serviceVersions:
        nrps.service_versions === undefined
          ? []
          : stringArray(nrps.service_versions, "namesroleservice.service_versions"),
    };
  }
  if (messageType === LTI13_MESSAGE_TYPES.deepLinkingRequest)
    out.deepLinking = readDeepLinkingSettings(claims[DEEP_LINKING_SETTINGS_CLAIM]);
  return out;
}

/** A message_type or version this tool does not handle: the existing MessageError codes. */
function unsupported(claim: "message_type" | "version", value: unknown): MessageError {
  const shown = typeof value === "string" ? value : (JSON.stringify(value)?.slice(0, 100) ?? String(value));
  return new MessageError(
    claim === "message_type" ? "unsupported_message_type" : "unsupported_version",
    claim,
    shown,
  );
}

/** Case 110: every personal claim is optional; one that is not a string is ignored, not fatal. */
function readPerson(claims: Record<string, unknown>): LaunchPerson {
  const person: LaunchPerson = {};
  const pick = (claim: string, key: keyof LaunchPerson) => {
    const v = claims[claim];
    if (typeof v === "string" && v.trim() !== "") person[key] = v;
  };
  pick("name", "name");
  pick("given_name", "givenName");
  pick("family_name", "familyName");
  pick("middle_name", "middleName");
  pick("email", "email");
  pick("picture", "picture");
  pick("locale", "locale");
  return person;
}

/** Case 107: all hints; an unknown document_target or a malformed size is ignored (case 9). */
function readPresentation(v: unknown): VerifiedToolLaunch["presentation"] {
  const out: VerifiedToolLaunch["presentation"] = {};
  if (!isObject(v)) return out;
  if (typeof v.document_target === "string" && isDocumentTarget(v.document_target))
    out.documentTarget = v.document_target;
  if (typeof v.return_url === "string" && isHttpUrl(v.return_url)) out.returnUrl = v.return_url;
  if (typeof v.locale === "string" && v.locale !== "") out.locale = v.locale;
  if (typeof v.width === "number" && Number.isFinite(v.width) && v.width > 0) out.width = v.width;
  if (typeof v.height === "number" && Number.isFinite(v.height) && v.height > 0) out.height = v.height;
  return out;
}

/** Deep Linking 2.0 §4.4.1: deep_link_return_url and accept_types are required. */
function readDeepLinkingSettings(v: unknown): DeepLinkingSettings {
  const claim = "deep_linking_settings";
  if (v === undefined) throw missing(claim);
  if (!isObject(v)) throw invalid(claim, "not an object");
  if (v.deep_link_return_url === undefined) throw missing(`${claim}.deep_link_return_url`);
  if (v.accept_types === undefined) throw missing(`${claim}.accept_types`);
  const acceptTypes = stringArray(v.accept_types, `${claim}.accept_types`);
  if (acceptTypes.length === 0) throw invalid(`${claim}.accept_types`, "empty");
  const out: DeepLinkingSettings = {
    deepLinkReturnUrl: absoluteUrl(v.deep_link_return_url, `${claim}.deep_link_return_url`),
    acceptTypes,
    acceptPresentationDocumentTargets:
      v.accept_presentation_document_targets === undefined
        ? []
        : stringArray(
            v.accept_presentation_document_targets,
            `${claim}.accept_presentation_document_targets`,
          ),
  };
  const text = (name: string) => optionalString(v[name], `${claim}.${name}`);
  const flag = (name: string) => {
    const f = v[name];
    if (f === undefined) return undefined;
    // Interop (case 142): some platforms send the flags as the strings "true" / "false".
    if (f === "true" || f === "false") return f === "true";
    if (typeof f !== "boolean") throw invalid(`${claim}.${name}`, "not a boolean");
    return f;
  };
  const mediaTypes = text("accept_media_types");
  if (mediaTypes !== undefined) out.acceptMediaTypes = mediaTypes;
  const multiple = flag("accept_multiple");
  if (multiple !== undefined) out.acceptMultiple = multiple;
  const lineItem = flag("accept_lineitem");
  if (lineItem !== undefined) out.acceptLineItem = lineItem;
  const autoCreate = flag("auto_create");
  if (autoCreate !== undefined) out.autoCreate = autoCreate;
  const title = text("title");
  if (title !== undefined) out.title = title;
  const t = text("text");
  if (t !== undefined) out.text = t;
  const data = text("data");
  if (data !== undefined) out.data = data;
  return out;
}

/**
 * The version-neutral parts of a launch, shaped like the lti-provider feature's VerifiedLaunch (its
 * deployment, grade and membership services are the caller's: AGS and NRPS are in `ags`/`nrps`). Roles:
 * instructor and learner from the full URIs (context, institution and system roles) or short names, by
 * vocab/roles.ts. `fullName` is the `name` claim.
 */
export function launchSummary(launch: VerifiedToolLaunch): {
  userId: string | undefined;
  roles: { instructor: boolean; learner: boolean; raw: string[] };
  person: { givenName?: string; familyName?: string; fullName?: string; email?: string };
  resourceLink: { id: string; title?: string } | undefined;
  context?: { id: string; title?: string };
  returnUrl?: string;
  presentation: { documentTarget?: DocumentTarget; locale?: string };
  custom: Record<string, string>;
} {
  const p = launch.person;
  const person: { givenName?: string; familyName?: string; fullName?: string; email?: string } = {};
  if (p.givenName !== undefined) person.givenName = p.givenName;
  if (p.familyName !== undefined) person.familyName = p.familyName;
  if (p.name !== undefined) person.fullName = p.name;
  if (p.email !== undefined) person.email = p.email;
  const presentation: { documentTarget?: DocumentTarget; locale?: string } = {};
  if (launch.presentation.documentTarget !== undefined)
    presentation.documentTarget = launch.presentation.documentTarget;
  const locale = launch.presentation.locale ?? p.locale;
  if (locale !== undefined) presentation.locale = locale;
  const rl = launch.resourceLink;
  return {
    userId: launch.sub,
    roles: {
      instructor: isInstructorRole(launch.roles),
      learner: isLearnerRole(launch.roles),
      raw: launch.roles,
    },
    person,
    resourceLink:
      rl === undefined ? undefined : { id: rl.id, ...(rl.title === undefined ? {} : { title: rl.title }) },
    ...(launch.context === undefined
      ? {}
      : {
          context: {
            id: launch.context.id,
            ...(launch.context.title === undefined ? {} : { title: launch.context.title }),
          },
        }),
    ...(launch.presentation.returnUrl === undefined ? {} : { returnUrl: launch.presentation.returnUrl }),
    presentation,
    custom: launch.custom,
  };
}
