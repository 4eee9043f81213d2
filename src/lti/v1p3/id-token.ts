// The id_token of an LtiResourceLinkRequest, built and signed by the platform. LTI 1.3 Core §5.1 (message
// type, version), §5.3 (required claims: deployment_id, target_link_uri, resource_link, roles, sub), §5.4
// (optional: context, tool_platform, launch_presentation, custom, lis), OpenID Connect Core §2 (iss, aud,
// exp, iat, nonce, azp) and §5.1 (personal claims); AGS 2.0 §3.1 and NRPS 2.0 §3.6 for the service claims.
// Conformance cases 98–114.
import type { JWTPayload } from "jose";
import { ParameterError } from "../errors.js";
import type { Clock } from "../ports.js";
import { type Substitutions, substitute } from "../v1p1/custom-params.js";
import { AGS_CLAIM_ENDPOINT, CONTEXT_TYPE_URI, LTI_CLAIM, NRPS_CLAIM } from "../vocab/claims.js";
import { LTI13_MESSAGE_TYPES, LTI13_VERSION } from "../vocab/messages.js";
import { type Lti13Role, lti13RoleUris } from "../vocab/roles.js";
import { type PlatformSigningKey, signPlatformJwt } from "./keys.js";

/** An id_token is used within seconds of its making; a short life limits what a leaked one allows. */
export const DEFAULT_ID_TOKEN_LIFETIME_SECONDS = 300;

export interface ResourceLinkLaunch {
  issuer: string;
  clientId: string;
  deploymentId: string;
  /** From the authentication request, copied unchanged (case 95). */
  nonce: string;
  targetLinkUri: string;
  resourceLink: { id: string; title?: string; description?: string };
  user: {
    /** Stable, at most 255 characters, never reassigned (case 103). */
    sub: string;
    name?: string;
    givenName?: string;
    familyName?: string;
    email?: string;
    picture?: string;
  };
  /** What the tool's privacy settings allow ("Share launcher's name", "... email"). */
  privacy: { shareName: boolean; shareEmail: boolean };
  roles: readonly Lti13Role[];
  context?: {
    id: string;
    label?: string;
    title?: string;
    type?: ReadonlyArray<keyof typeof CONTEXT_TYPE_URI>;
  };
  toolPlatform?: {
    guid: string;
    name?: string;
    version?: string;
    productFamilyCode?: string;
    url?: string;
    contactEmail?: string;
    description?: string;
  };
  launchPresentation?: {
    documentTarget?: "iframe" | "window" | "frame";
    returnUrl?: string;
    locale?: string;
    width?: number;
    height?: number;
  };
  /** Custom parameters as configured (names as typed); values may be `$Variables`. */
  custom?: Readonly<Record<string, string>>;
  substitutions?: Substitutions;
  lis?: { personSourcedId?: string; courseOfferingSourcedId?: string; courseSectionSourcedId?: string };
  /** Only when the tool was granted the AGS scopes (case 113). */
  ags?: { scope: readonly string[]; lineitems?: string; lineitem?: string };
  /** Only when the tool was granted the NRPS scope (case 113). */
  nrps?: { contextMembershipsUrl: string };
}

type Claims = JWTPayload & Record<string, unknown>;

/** Case 112: "No leading or trailing whitespace in any claim value": optional text is trimmed, blank dropped. */
function text(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s === undefined || s === "" ? undefined : s;
}

/** Core §5.3: ids are "at most 255 ASCII characters", case-sensitive (cases 100, 102, 103). */
function id(name: string, v: string): string {
  if (v === "" || v.length > 255 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(v)) {
    throw new ParameterError(
      "invalid_parameter",
      name,
      "not 1–255 printable ASCII characters without padding",
    );
  }
  return v;
}

/** Case 113: service URLs "must be absolute". */
function url(name: string, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ParameterError("invalid_parameter", name, "not an absolute URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new ParameterError("invalid_parameter", name, "not http or https");
  return v;
}

/** Drops undefined members, so optional claims are absent rather than null. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The id_token claims for a resource link launch: every required claim (Core §5.3), the optional ones given,
 * personal claims only as the privacy settings allow (cases 110, OIDC Core §5.4), service claims only when
 * given. `iat` is now, `exp` `lifetimeSeconds` later.
 */
export function buildResourceLinkClaims(
  launch: ResourceLinkLaunch,
  options: { clock: Clock; lifetimeSeconds?: number },
): Claims {
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  const lifetime = options.lifetimeSeconds ?? DEFAULT_ID_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0)
    throw new ParameterError("invalid_parameter", "lifetimeSeconds", "not a positive integer");
  if (launch.nonce === "") throw new ParameterError("missing_parameter", "nonce");
  const u = launch.user;
  const claims: Claims = {
    iss: launch.issuer,
    // OIDC Core §2: aud "MUST contain the OAuth 2.0 client_id"; azp names the party it was issued to.
    aud: launch.clientId,
    azp: launch.clientId,
    sub: id("sub", u.sub),
    iat,
    exp: iat + lifetime,
    nonce: launch.nonce,
    [LTI_CLAIM.messageType]: LTI13_MESSAGE_TYPES.resourceLink,
    [LTI_CLAIM.version]: LTI13_VERSION,
    [LTI_CLAIM.deploymentId]: id("deploymentId", launch.deploymentId),
    [LTI_CLAIM.targetLinkUri]: url("targetLinkUri", launch.targetLinkUri),
    [LTI_CLAIM.resourceLink]: compact({
      id: id("resourceLink.id", launch.resourceLink.id),
      title: text(launch.resourceLink.title),
      description: text(launch.resourceLink.description),
    }),
    // Case 104: roles "must be present and may be empty"; full URIs (Core §5.3.7).
    [LTI_CLAIM.roles]: lti13RoleUris(launch.roles),
  };
  if (launch.privacy.shareName) {
    Object.assign(
      claims,
      compact({
        name: text(u.name),
        given_name: text(u.givenName),
        family_name: text(u.familyName),
        picture: text(u.picture),
      }),
    );
  }
  if (launch.privacy.shareEmail) Object.assign(claims, compact({ email: text(u.email) }));
  if (launch.context !== undefined) {
    const c = launch.context;
    claims[LTI_CLAIM.context] = compact({
      id: id("context.id", c.id),
      label: text(c.label),
      title: text(c.title),
      type: c.type === undefined || c.type.length === 0 ? undefined : c.type.map((t) => CONTEXT_TYPE_URI[t]),
    });
  }
  if (launch.toolPlatform !== undefined) {
    const p = launch.toolPlatform;
    claims[LTI_CLAIM.toolPlatform] = compact({
      guid: id("toolPlatform.guid", p.guid),
      name: text(p.name),
      version: text(p.version),
      product_family_code: text(p.productFamilyCode),
      url: p.url === undefined ? undefined : url("toolPlatform.url", p.url),
      contact_email: text(p.contactEmail),
      description: text(p.description),
    });
  }
  if (launch.launchPresentation !== undefined) {
    const lp = launch.launchPresentation;
    claims[LTI_CLAIM.launchPresentation] = compact({
      document_target: lp.documentTarget,
      return_url: lp.returnUrl === undefined ? undefined : url("launchPresentation.returnUrl", lp.returnUrl),
      locale: text(lp.locale),
      width: lp.width,
      height: lp.height,
    });
  }
  if (launch.custom !== undefined && Object.keys(launch.custom).length > 0) {
    // Case 108: "a JSON object of strings, after substitution"; case 214: an unknown $Variable is sent as is.
    const subs = launch.substitutions ?? {};
    claims[LTI_CLAIM.custom] = Object.fromEntries(
      Object.entries(launch.custom).map(([k, v]) => [k.trim(), substitute(v.trim(), subs).trim()]),
    );
  }
  if (launch.lis !== undefined) {
    const lis = compact({
      person_sourcedid: text(launch.lis.personSourcedId),
      course_offering_sourcedid: text(launch.lis.courseOfferingSourcedId),
      course_section_sourcedid: text(launch.lis.courseSectionSourcedId),
    });
    if (Object.keys(lis).length > 0) claims[LTI_CLAIM.lis] = lis;
  }
  if (launch.ags !== undefined) {
    const a = launch.ags;
    // AGS §3.1: lineitem only "when the link has exactly one line item"; both URLs absolute.
    claims[AGS_CLAIM_ENDPOINT] = compact({
      scope: [...a.scope],
      lineitems: a.lineitems === undefined ? undefined : url("ags.lineitems", a.lineitems),
      lineitem: a.lineitem === undefined ? undefined : url("ags.lineitem", a.lineitem),
    });
  }
  if (launch.nrps !== undefined) {
    claims[NRPS_CLAIM] = {
      context_memberships_url: url("nrps.contextMembershipsUrl", launch.nrps.contextMembershipsUrl),
      service_versions: ["2.0"],
    };
  }
  return claims;
}

/** Builds and signs the id_token (RS256, `kid` header: case 114). */
export function signIdToken(
  launch: ResourceLinkLaunch,
  key: PlatformSigningKey,
  options: { clock: Clock; lifetimeSeconds?: number },
): Promise<string> {
  return signPlatformJwt(buildResourceLinkClaims(launch, options), key);
}
