// Names and Role Provisioning Services 2.0 (https://www.imsglobal.org/spec/lti-nrps/v2p0), the platform's
// side: the membership container's media types, its JSON (§2.2–2.3: container, context, members), the role
// filter (§2.4.1) and the resource link members' `message` (§3). Conformance cases 179–185.
import { ParameterError } from "../errors.js";
import { LTI_CLAIM } from "../vocab/claims.js";
import { CONTEXT_ROLES, LTI13_ROLE_PREFIX, ROLE_URN_PREFIX } from "../vocab/roles.js";

/** The media type of a membership container (§2.1), what Pluto answers. */
export const NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";
/** The media type Canvas and older tools ask for (case 179): accepted in Accept, answered with the new one. */
export const NRPS_LEGACY_MEDIA_TYPE = "application/vnd.ims.lis.v2.membershipcontainer+json";

/**
 * Whether an Accept header lets the platform answer a membership container: absent, `*\/*`, `application/*`,
 * JSON, or either NRPS media type, with a non-zero quality.
 */
export function acceptsMembershipContainer(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  const ok = new Set(["*/*", "application/*", "application/json", NRPS_MEDIA_TYPE, NRPS_LEGACY_MEDIA_TYPE]);
  return accept.split(",").some((part) => {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    return ok.has(type) && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** The longest role filter accepted. */
export const MAX_ROLE_FILTER_LENGTH = 255;

/**
 * The role filter as a full role URI (§2.4.1, case 182): a full URI is kept, a short context role name
 * (`Learner`, `Instructor`) or an LTI 1.1 URN (`urn:lti:role:ims/lis/Learner`) becomes its
 * `…/membership#…` URI. Any other single token is kept as given (it then matches no member).
 */
export function normaliseRoleFilter(role: string): string {
  const r = role.trim();
  if (r === "") throw new ParameterError("invalid_parameter", "role", "empty");
  if (r.length > MAX_ROLE_FILTER_LENGTH || /[\s,]/.test(r))
    throw new ParameterError("invalid_parameter", "role", "not one role");
  const short = r.startsWith(ROLE_URN_PREFIX.context) ? r.slice(ROLE_URN_PREFIX.context.length) : r;
  const name = (CONTEXT_ROLES as readonly string[]).find((c) => c.toLowerCase() === short.toLowerCase());
  return name === undefined ? r : `${LTI13_ROLE_PREFIX.context}${name}`;
}

export type MemberStatus = "Active" | "Inactive" | "Deleted";

export interface NrpsMember {
  /** The launch `sub` of this user for this tool (case 188). */
  userId: string;
  /** Full role URIs; empty for a Deleted member. */
  roles: readonly string[];
  status: MemberStatus;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  picture?: string;
  lisPersonSourcedId?: string;
  /** Per resource link (§3): the claims a launch of that link would carry for this member. */
  messages?: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export interface MembershipContainer {
  /** This page's URL. */
  id: string;
  context: { id: string; label?: string; title?: string };
  members: readonly NrpsMember[];
}

function text(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s === undefined || s === "" ? undefined : s;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** One member as NRPS spells it: snake_case names, blank optional fields left out. */
export function serialiseMember(m: NrpsMember): Record<string, unknown> {
  return compact({
    status: m.status,
    name: text(m.name),
    picture: text(m.picture),
    given_name: text(m.givenName),
    family_name: text(m.familyName),
    email: text(m.email),
    user_id: m.userId,
    lis_person_sourcedid: text(m.lisPersonSourcedId),
    roles: [...m.roles],
    message: m.messages === undefined ? undefined : m.messages.map((x) => ({ ...x })),
  });
}

/** The container's JSON (§2.2): `id`, `context` (id required), `members`. */
export function buildMembershipContainer(c: MembershipContainer): Record<string, unknown> {
  if (c.context.id === "") throw new ParameterError("missing_parameter", "context.id");
  return {
    id: c.id,
    context: compact({ id: c.context.id, label: text(c.context.label), title: text(c.context.title) }),
    members: c.members.map(serialiseMember),
  };
}

/**
 * A resource link member's `message` entry (§3.2): the message type and the custom values a launch of
 * that link would send this user (after substitution); no custom claim when there are none.
 */
export function resourceLinkMessage(custom: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = { [LTI_CLAIM.messageType]: "LtiResourceLinkRequest" };
  if (Object.keys(custom).length > 0) out[LTI_CLAIM.custom] = { ...custom };
  return out;
}
