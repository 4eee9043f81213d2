// Role vocabularies: LIS roles as LTI 1.1 sends them (short context names and urn:lti:... URNs) and the
// LTI 1.3 role URIs. LTI 1.1 Implementation Guide, Appendix A (LIS vocabularies); LTI 1.3 Core §5.3.7 and
// Appendix A.2. Tools must accept short, URN, unknown and empty roles (conformance cases 6, 41–44).

/** LIS context (membership) roles. */
export const CONTEXT_ROLES = [
  "Learner",
  "Instructor",
  "ContentDeveloper",
  "Member",
  "Manager",
  "Mentor",
  "Administrator",
  "TeachingAssistant",
] as const;
export type ContextRole = (typeof CONTEXT_ROLES)[number];

/** LIS institution roles (`urn:lti:instrole:ims/lis/<Role>`). */
export const INSTITUTION_ROLES = [
  "Student",
  "Faculty",
  "Member",
  "Learner",
  "Instructor",
  "Mentor",
  "Staff",
  "Alumni",
  "ProspectiveStudent",
  "Guest",
  "Other",
  "Administrator",
  "Observer",
  "None",
] as const;

/** LIS system roles (`urn:lti:sysrole:ims/lis/<Role>`). */
export const SYSTEM_ROLES = [
  "SysAdmin",
  "SysSupport",
  "Creator",
  "AccountAdmin",
  "User",
  "Administrator",
  "None",
] as const;

export const ROLE_URN_PREFIX = {
  context: "urn:lti:role:ims/lis/",
  institution: "urn:lti:instrole:ims/lis/",
  system: "urn:lti:sysrole:ims/lis/",
} as const;

/** LTI 1.3 role URI prefixes: `<prefix><Role>`; context sub-roles are `membership/<Role>#<SubRole>`. */
export const LTI13_ROLE_PREFIX = {
  context: "http://purl.imsglobal.org/vocab/lis/v2/membership#",
  contextSubRole: "http://purl.imsglobal.org/vocab/lis/v2/membership/",
  institution: "http://purl.imsglobal.org/vocab/lis/v2/institution/person#",
  system: "http://purl.imsglobal.org/vocab/lis/v2/system/person#",
  ltiSystem: "http://purl.imsglobal.org/vocab/lti/system/person#",
} as const;

export type RoleKind = "context" | "institution" | "system" | "unknown";

/** One role, classified: its vocabulary, principal role name and optional sub-role. */
export interface ClassifiedRole {
  raw: string;
  kind: RoleKind;
  name: string;
  subRole?: string;
}

/**
 * Splits a `roles` parameter (a comma-separated list) into trimmed, non-empty entries. Conformance case 6:
 * "Trim each entry and drop empty ones."
 */
export function parseRoles(roles: string | readonly string[] | undefined): string[] {
  const list = roles === undefined ? [] : typeof roles === "string" ? [roles] : roles;
  return list.flatMap((r) => r.split(",")).flatMap((r) => (r.trim() === "" ? [] : [r.trim()]));
}

function splitSub(path: string): { name: string; subRole?: string } {
  const i = path.indexOf("/");
  return i < 0 ? { name: path } : { name: path.slice(0, i), subRole: path.slice(i + 1) };
}

/** Classifies one role in any of the accepted forms. Unrecognised strings are kind "unknown". */
export function classifyRole(raw: string): ClassifiedRole {
  const role = raw.trim();
  const p13 = LTI13_ROLE_PREFIX;
  if (role.startsWith(ROLE_URN_PREFIX.context)) {
    return { raw, kind: "context", ...splitSub(role.slice(ROLE_URN_PREFIX.context.length)) };
  }
  if (role.startsWith(ROLE_URN_PREFIX.institution)) {
    return { raw, kind: "institution", ...splitSub(role.slice(ROLE_URN_PREFIX.institution.length)) };
  }
  if (role.startsWith(ROLE_URN_PREFIX.system)) {
    return { raw, kind: "system", name: role.slice(ROLE_URN_PREFIX.system.length) };
  }
  if (role.startsWith(p13.context)) return { raw, kind: "context", name: role.slice(p13.context.length) };
  if (role.startsWith(p13.contextSubRole)) {
    const [name = "", subRole] = role.slice(p13.contextSubRole.length).split("#", 2);
    return subRole === undefined ? { raw, kind: "context", name } : { raw, kind: "context", name, subRole };
  }
  if (role.startsWith(p13.institution))
    return { raw, kind: "institution", name: role.slice(p13.institution.length) };
  if (role.startsWith(p13.system)) return { raw, kind: "system", name: role.slice(p13.system.length) };
  if (role.startsWith(p13.ltiSystem)) return { raw, kind: "system", name: role.slice(p13.ltiSystem.length) };
  // A short context role ("Instructor", or "TeachingAssistant/Grader") is a deprecated but common form.
  const short = splitSub(role);
  if (/^[A-Za-z]+$/.test(short.name) && findContextRole(short.name) !== undefined) {
    return { raw, kind: "context", ...short };
  }
  return { raw, kind: "unknown", name: role };
}

function findContextRole(name: string): ContextRole | undefined {
  const lower = name.toLowerCase();
  return CONTEXT_ROLES.find((r) => r.toLowerCase() === lower);
}

/** The context role a classified role stands for, matched case-insensitively (peers send "instructor"). */
export function contextRoleOf(role: ClassifiedRole): ContextRole | undefined {
  return role.kind === "context" ? findContextRole(role.name) : undefined;
}

const INSTRUCTOR_CONTEXT_ROLES: readonly ContextRole[] = [
  "Instructor",
  "Administrator",
  "ContentDeveloper",
  "TeachingAssistant",
];

/**
 * True when the roles give teaching rights in the context: the context roles Instructor, Administrator,
 * ContentDeveloper or TeachingAssistant (and their sub-roles, e.g. TeachingAssistant/Grader or LTI 1.3
 * membership/Instructor#TeachingAssistant), in short, URN or LTI 1.3 form, or a system or institution
 * Administrator (as the 1EdTech library's isAdmin does). Institution Instructor/Faculty is NOT enough: a
 * teacher elsewhere in the institution may be a learner here. Several roles: the union (case 44).
 */
export function isInstructorRole(roles: string | readonly string[] | undefined): boolean {
  return parseRoles(roles).some((r) => {
    const c = classifyRole(r);
    const ctx = contextRoleOf(c);
    if (ctx !== undefined) return INSTRUCTOR_CONTEXT_ROLES.includes(ctx);
    const name = c.name.toLowerCase();
    if (c.kind === "system") return name === "sysadmin" || name === "administrator";
    if (c.kind === "institution") return name === "administrator";
    return false;
  });
}

/** True when a Learner context role (or a Learner sub-role) is among the roles. */
export function isLearnerRole(roles: string | readonly string[] | undefined): boolean {
  return parseRoles(roles).some((r) => contextRoleOf(classifyRole(r)) === "Learner");
}

/**
 * Canonical LTI 1.1 form: short context roles become `urn:lti:role:ims/lis/<Role>` (case 6); URNs, LTI 1.3
 * URIs and unknown roles are kept as they are.
 */
export function toRoleUrn(role: string): string {
  const c = classifyRole(role);
  const ctx = contextRoleOf(c);
  if (c.kind !== "context" || ctx === undefined || c.raw.includes(":")) return role.trim();
  return `${ROLE_URN_PREFIX.context}${ctx}${c.subRole === undefined ? "" : `/${c.subRole}`}`;
}

/**
 * The `roles` value a consumer sends for a launch: the role in both the LIS short form and the URN form,
 * which every LTI 1.1 tool understands (e.g. "Instructor,urn:lti:role:ims/lis/Instructor").
 */
export function launchRoles(roles: readonly ContextRole[]): string {
  return roles.flatMap((r) => [r, `${ROLE_URN_PREFIX.context}${r}`]).join(",");
}

/** A role as a platform holds it, to be sent as an LTI 1.3 role URI. */
export type Lti13Role =
  | { kind: "context"; name: ContextRole; subRole?: string }
  | { kind: "institution"; name: (typeof INSTITUTION_ROLES)[number] }
  | { kind: "system"; name: (typeof SYSTEM_ROLES)[number] };

/**
 * The LTI 1.3 role URIs for a set of roles (Core §5.3.7, Appendix A.2), in order, without duplicates. A
 * context sub-role is sent with its principal role too: Core A.2.3.1 says a platform sending a sub-role
 * "SHOULD also include the principal role", and tools that know only principal roles then still work.
 */
export function lti13RoleUris(roles: readonly Lti13Role[]): string[] {
  const out = new Set<string>();
  for (const r of roles) {
    if (r.kind === "context") {
      out.add(`${LTI13_ROLE_PREFIX.context}${r.name}`);
      if (r.subRole !== undefined) out.add(`${LTI13_ROLE_PREFIX.contextSubRole}${r.name}#${r.subRole}`);
    } else if (r.kind === "institution") out.add(`${LTI13_ROLE_PREFIX.institution}${r.name}`);
    else out.add(`${LTI13_ROLE_PREFIX.system}${r.name}`);
  }
  return [...out];
}
