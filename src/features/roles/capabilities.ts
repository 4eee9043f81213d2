// Roles are assigned per course; each role grants a fixed set of capabilities (like archetypes).
// Every page and API call asks for one capability; site admins hold all of them everywhere.

export const ROLES = ["manager", "editingteacher", "teacher", "student", "guest"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  manager: "Manager",
  editingteacher: "Teacher",
  teacher: "Non-editing teacher",
  student: "Student",
  guest: "Guest",
};

export const CAPABILITIES = [
  "course:view",
  "course:update",
  /** Copy the course into a new one (Course admin → Copy course): managers, not teachers. */
  "course:copy",
  "course:viewhidden",
  "course:managematerial",
  "enrol:manage",
  "enrol:enrol",
  "course:viewparticipants",
  "grade:viewall",
  "grade:edit",
  "grade:viewown",
  "completion:viewall",
  "activity:participate",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

const ALL: readonly Capability[] = CAPABILITIES;

export const ROLE_CAPABILITIES: Record<Role, readonly Capability[]> = {
  manager: ALL,
  // A copy is a new course on the site, a manager's decision (as creating one is a site admin's).
  editingteacher: ALL.filter((c) => c !== "course:copy"),
  teacher: [
    "course:view",
    "course:viewhidden",
    "course:viewparticipants",
    "grade:viewall",
    "grade:edit",
    "grade:viewown",
    "completion:viewall",
    "activity:participate",
  ],
  student: ["course:view", "grade:viewown", "activity:participate"],
  guest: ["course:view"],
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function rolesGrant(roles: readonly string[], cap: Capability): boolean {
  for (const r of roles) if (isRole(r) && ROLE_CAPABILITIES[r].includes(cap)) return true;
  return false;
}

/** Roles that count as "instructor" (teaching staff) for LTI and reports. */
export function isStaffRole(role: string): boolean {
  return role === "manager" || role === "editingteacher" || role === "teacher";
}
