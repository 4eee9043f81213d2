// Names and Role Provisioning Services 2.0 as the tool reads them (https://www.imsglobal.org/spec/lti-nrps/v2p0):
// the membership container, a page at a time (conformance cases 179–181, 184, 187; peers note §4.4). Paging
// is by the `Link` header (link-header.ts).

import { ParameterError } from "../errors.js";

/** The media type Pluto asks for, and the older one Canvas answered with (case 179); both are read. */
export const NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";
export const NRPS_LEGACY_MEDIA_TYPE = "application/vnd.ims.lis.v2.membershipcontainer+json";
export const NRPS_ACCEPT = `${NRPS_MEDIA_TYPE}, ${NRPS_LEGACY_MEDIA_TYPE};q=0.9, application/json;q=0.5`;

/** Whether a response's content type is one of the membership container's (or plain JSON). */
export function isMembershipContainerType(contentType: string): boolean {
  const t = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return t === NRPS_MEDIA_TYPE || t === NRPS_LEGACY_MEDIA_TYPE || t === "application/json" || t === "";
}

/** The context memberships URL, narrowed to one resource link's members with `rlid` (NRPS §3; case 184). */
export function membershipsUrl(contextMembershipsUrl: string, opts: { rlid?: string } = {}): string {
  let url: URL;
  try {
    url = new URL(contextMembershipsUrl);
  } catch {
    throw new ParameterError("invalid_parameter", "contextMembershipsUrl", "not an absolute URL");
  }
  if (opts.rlid !== undefined) url.searchParams.set("rlid", opts.rlid);
  return url.toString();
}

export type NrpsStatus = "Active" | "Inactive" | "Deleted";

/** A member as Pluto reads it; unknown fields are ignored (case 187). */
export interface NrpsMember {
  /** The user's id, equal to the launch `sub` (case 188). */
  userId: string;
  roles: string[];
  /** Absent in the container means Active (case 181). */
  status: NrpsStatus;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  lisPersonSourcedId?: string;
}

export interface MembershipPage {
  context?: { id: string; label?: string; title?: string };
  members: NrpsMember[];
}

/**
 * One page of a membership container: `{id, context, members[]}`. A member without `user_id` or `roles`
 * makes the page unreadable (they are required); an unknown `status` is refused too, rather than guessed.
 */
export function parseMembershipContainer(text: string): MembershipPage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ParameterError("invalid_parameter", "membershipContainer", "not JSON");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new ParameterError("invalid_parameter", "membershipContainer", "not a JSON object");
  }
  const o = v as Record<string, unknown>;
  if (!Array.isArray(o.members)) throw new ParameterError("missing_parameter", "members");
  const members = o.members.map((m, i) => readMember(m, `members[${i}]`));
  const c = o.context;
  const context =
    c !== null && typeof c === "object" && typeof (c as Record<string, unknown>).id === "string"
      ? (() => {
          const cc = c as Record<string, unknown>;
          return {
            id: cc.id as string,
            ...(typeof cc.label === "string" ? { label: cc.label } : {}),
            ...(typeof cc.title === "string" ? { title: cc.title } : {}),
          };
        })()
      : undefined;
  return { ...(context ? { context } : {}), members };
}

const STATUSES: readonly NrpsStatus[] = ["Active", "Inactive", "Deleted"];

function readMember(v: unknown, where: string): NrpsMember {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new ParameterError("invalid_parameter", where, "not a JSON object");
  }
  const o = v as Record<string, unknown>;
  const userId = o.user_id;
  if (typeof userId !== "string" || userId === "") {
    throw new ParameterError("missing_parameter", `${where}.user_id`);
  }
  if (!Array.isArray(o.roles) || !o.roles.every((r) => typeof r === "string")) {
    throw new ParameterError("missing_parameter", `${where}.roles`);
  }
  let status: NrpsStatus = "Active";
  if (o.status !== undefined && o.status !== null) {
    const s = STATUSES.find((x) => x === o.status);
    if (!s)
      throw new ParameterError(
        "invalid_parameter",
        `${where}.status`,
        `unknown status ${JSON.stringify(o.status)}`,
      );
    status = s;
  }
  const str = (k: string, as: keyof NrpsMember) =>
    typeof o[k] === "string" && o[k] !== "" ? { [as]: o[k] as string } : {};
  return {
    userId,
    roles: o.roles as string[],
    status,
    ...str("name", "name"),
    ...str("given_name", "givenName"),
    ...str("family_name", "familyName"),
    ...str("email", "email"),
    ...str("lis_person_sourcedid", "lisPersonSourcedId"),
  };
}
