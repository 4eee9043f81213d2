// Enrolment methods (instances per course) and enrolling users through them. The capacity
// ("max enrolled users") holds under concurrency: the instance row is locked (PostgreSQL) or the
// transaction is serial (SQLite) while counting and inserting.
// Past ~300 lines: the enrolment use cases and the role rules they check (which roles an actor may give,
// an enrolment's state) are read together; the role rules are the candidate to move out next.
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import type { Engine } from "../../db/dialect.js";
import { addSeconds, type Clock, iso, systemClock } from "../../shared/clock.js";
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from "../../shared/errors.js";
import { formatInstant } from "../../shared/time-zone.js";
import { parseInput, requiredText } from "../../shared/validation.js";
import { isRole, ROLES, type Role } from "../roles/capabilities.js";
import { type EnrolMethod, findEnrolMethod } from "./enrol-methods.js";
import * as repo from "./enrolments.repository.js";

export type { CourseEnrolment, EnrolInstance, Enrolment, Participant } from "./enrolments.repository.js";
/** An enrolment instance from its enrol_instances row, for a read model that joins the table (lti-provider's launch). */
export { toInstance as enrolInstanceOf } from "./enrolments.repository.js";

export type EnrolReason = "disabled" | "not_started" | "ended" | "full";

/** Why a user cannot be enrolled through an instance right now. */
export class EnrolmentError extends AppError {
  override name = "EnrolmentError";
  constructor(
    readonly reason: EnrolReason,
    message: string,
  ) {
    super("forbidden", message);
  }
}

const isoDate = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be a date and time (ISO 8601)")
  .transform((v) => new Date(v).toISOString());

/** The fields every enrolment method instance has, as the API names them. */
export const instanceCommonSchema = z
  .object({
    name: z.string().trim().max(254).default(""),
    status: z.enum(["enabled", "disabled"]).default("enabled"),
    enrolPeriod: z
      .number()
      .int()
      .min(0)
      .max(100 * 365 * 86400)
      .nullable()
      .optional(),
    enrolStart: isoDate.nullable().optional(),
    enrolEnd: isoDate.nullable().optional(),
    maxEnrolled: z.number().int().min(0).max(10_000_000).default(0),
    role: z.enum(ROLES).default("student"),
  })
  .refine((v) => !v.enrolStart || !v.enrolEnd || v.enrolStart < v.enrolEnd, {
    message: "The enrolment end date must be after the start date",
    path: ["enrolEnd"],
  });

export type InstanceInput = z.input<typeof instanceCommonSchema> & {
  method: string;
  settings?: Record<string, unknown>;
};

export async function addEnrolInstance(
  db: Db,
  clock: Clock,
  courseId: number,
  input: InstanceInput,
): Promise<repo.EnrolInstance> {
  const method = findEnrolMethod(input.method);
  if (!method)
    throw new ValidationError(`Unknown enrolment method ${input.method}`, [
      { field: "method", message: `Unknown enrolment method ${input.method}` },
    ]);
  const v = parseInput(instanceCommonSchema, input);
  if (!method.multiple && (await repo.listInstances(db, courseId, method.key)).length > 0) {
    throw new ConflictError(`This course already has the ${method.label} method`);
  }
  return repo.insertInstance(db, {
    courseId,
    method: method.key,
    name: v.name || method.label,
    status: v.status,
    enrolPeriod: v.enrolPeriod || null,
    enrolStart: v.enrolStart ?? null,
    enrolEnd: v.enrolEnd ?? null,
    maxEnrolled: v.maxEnrolled,
    role: v.role,
    settings: input.settings ?? {},
    now: iso(clock.now()),
  });
}

export async function updateEnrolInstance(
  db: Db,
  clock: Clock,
  id: number,
  input: Partial<z.input<typeof instanceCommonSchema>> & { settings?: Record<string, unknown> },
): Promise<repo.EnrolInstance> {
  const existing = await getInstance(db, id);
  const v = parseInput(instanceCommonSchema, {
    name: existing.name,
    status: existing.status,
    enrolPeriod: existing.enrolPeriod,
    enrolStart: existing.enrolStart,
    enrolEnd: existing.enrolEnd,
    maxEnrolled: existing.maxEnrolled,
    role: existing.role,
    ...input,
  });
  await repo.updateInstance(db, id, {
    name: v.name || existing.name,
    status: v.status,
    enrolPeriod: v.enrolPeriod || null,
    enrolStart: v.enrolStart ?? null,
    enrolEnd: v.enrolEnd ?? null,
    maxEnrolled: v.maxEnrolled,
    role: v.role,
    ...(input.settings !== undefined ? { settings: input.settings } : {}),
    now: iso(clock.now()),
  });
  // Whether its members' enrolments give access may have changed (NRPS status): log each of them.
  if (existing.status !== v.status) await repo.logInstanceMembershipChanges(db, id, iso(clock.now()));
  return getInstance(db, id);
}

export async function getInstance(db: Db, id: number): Promise<repo.EnrolInstance> {
  const i = await repo.findInstance(db, id);
  if (!i) throw new NotFoundError("Enrolment method");
  return i;
}

/** Deletes an instance with its enrolments and the roles it gave. */
export async function deleteEnrolInstance(db: Db, id: number, clock: Clock = systemClock): Promise<void> {
  await db.transaction().execute((trx) => deleteInstanceIn(trx, id, iso(clock.now())));
}

async function deleteInstanceIn(trx: Db, id: number, now: string): Promise<void> {
  const inst = await getInstance(trx, id);
  const users = await repo.listInstanceUserIds(trx, id);
  await repo.deleteInstanceEnrolments(trx, id, now);
  for (const userId of users) await dropRolesIfUnenrolled(trx, inst.courseId, userId, now);
  await repo.deleteInstance(trx, id);
}

/**
 * Throws EnrolmentError when the instance does not accept new enrolments now; the message gives
 * the opening or closing time in `timeZone`.
 */
export function checkEnrolmentOpen(instance: repo.EnrolInstance, now: Date, timeZone = "UTC"): void {
  if (instance.status !== "enabled")
    throw new EnrolmentError("disabled", "This enrolment method is disabled.");
  if (instance.enrolStart && iso(now) < instance.enrolStart) {
    throw new EnrolmentError(
      "not_started",
      `Enrolment opens on ${formatInstant(instance.enrolStart, timeZone)}.`,
    );
  }
  if (instance.enrolEnd && iso(now) >= instance.enrolEnd) {
    throw new EnrolmentError("ended", `Enrolment closed on ${formatInstant(instance.enrolEnd, timeZone)}.`);
  }
}

export interface EnrolDeps {
  clock: Clock;
  engine: Engine;
  /** The zone of the times in a refusal's message (default UTC): the reader's, or the site's. */
  timeZone?: string;
}

/**
 * Enrols a user through an instance with a role (default: the instance's), applying the
 * enrolment period. Idempotent: an existing enrolment is kept (and its role added). Runs in the
 * caller's transaction.
 */
export async function enrolUser(
  trx: Db,
  deps: EnrolDeps,
  v: { instanceId: number; userId: number; role?: string; checkOpen?: boolean },
): Promise<{ created: boolean; enrolment: repo.Enrolment }> {
  const now = deps.clock.now();
  const instance = await repo.lockInstance(trx, v.instanceId, deps.engine === "postgres");
  if (!instance) throw new NotFoundError("Enrolment method");
  const role = v.role ?? instance.role;
  if (!isRole(role))
    throw new ValidationError(`Unknown role ${role}`, [{ field: "role", message: `Unknown role ${role}` }]);
  const existing = await repo.findEnrolment(trx, instance.id, v.userId);
  let enrolment = existing;
  if (!existing) {
    if (v.checkOpen !== false) checkEnrolmentOpen(instance, now, deps.timeZone);
    if (instance.maxEnrolled > 0 && (await repo.countEnrolments(trx, instance.id)) >= instance.maxEnrolled) {
      throw new EnrolmentError(
        "full",
        "This course is full: the maximum number of enrolled users has been reached.",
      );
    }
    enrolment = await repo.insertEnrolment(trx, {
      instanceId: instance.id,
      courseId: instance.courseId,
      userId: v.userId,
      timeStart: iso(now),
      timeEnd: instance.enrolPeriod ? iso(addSeconds(now, instance.enrolPeriod)) : null,
      now: iso(now),
    });
  } else if (existing.status !== "active") {
    await repo.updateEnrolment(trx, existing.id, { status: "active", now: iso(now) });
    enrolment = { ...existing, status: "active" };
  }
  await repo.insertRole(trx, {
    courseId: instance.courseId,
    userId: v.userId,
    role,
    instanceId: instance.id,
    now: iso(now),
  });
  // Only a simultaneous insert (which the transaction then loses) leaves nothing here.
  enrolment ??= await repo.findEnrolment(trx, instance.id, v.userId);
  if (!enrolment) throw new Error("enrolment vanished");
  return { created: !existing, enrolment };
}

/** Removes the user's enrolment through one instance, and their roles when no enrolment is left. */
export async function unenrolUser(
  trx: Db,
  v: { instanceId: number; userId: number },
  clock: Clock = systemClock,
): Promise<boolean> {
  const instance = await getInstance(trx, v.instanceId);
  const existing = await repo.findEnrolment(trx, instance.id, v.userId);
  if (!existing) return false;
  const now = iso(clock.now());
  await repo.deleteEnrolment(trx, instance.id, v.userId, now);
  await repo.deleteRoles(trx, instance.courseId, v.userId, now, { instanceId: instance.id });
  await dropRolesIfUnenrolled(trx, instance.courseId, v.userId, now);
  return true;
}

/**
 * Suspends (`suspended`) or reactivates (`active`) a user's enrolment through one instance; the user keeps
 * their roles but a suspended enrolment gives no access. False when there is no such enrolment.
 */
export async function setEnrolmentStatus(
  trx: Db,
  clock: Clock,
  v: { instanceId: number; userId: number; status: "active" | "suspended" },
): Promise<boolean> {
  const existing = await repo.findEnrolment(trx, v.instanceId, v.userId);
  if (!existing) return false;
  if (existing.status !== v.status)
    await repo.updateEnrolment(trx, existing.id, { status: v.status, now: iso(clock.now()) });
  return true;
}

async function dropRolesIfUnenrolled(trx: Db, courseId: number, userId: number, now: string) {
  if ((await repo.countUserEnrolmentsInCourse(trx, courseId, userId)) === 0)
    await repo.deleteRoles(trx, courseId, userId, now);
}

/** The course's manual enrolment instance (every course has one). */
export async function manualInstance(db: Db, courseId: number): Promise<repo.EnrolInstance> {
  const [inst] = await repo.listInstances(db, courseId, "manual");
  if (!inst) throw new NotFoundError("Manual enrolment method");
  return inst;
}

export const listInstances = repo.listInstances;
export const findEnrolInstance = repo.findInstance;
export const listParticipants = repo.listParticipants;
export const findEnrolment = repo.findEnrolment;
export const insertRole = repo.insertRole;
export const deleteRoles = repo.deleteRoles;

export const enrolNameSchema = requiredText(254, "Name");

/**
 * Adds an instance of a registered method with its parsed settings and lets the method set up its
 * own records (onCreate), in one transaction.
 */
export async function addMethodInstance(
  ctx: AppContext,
  courseId: number,
  input: InstanceInput,
): Promise<repo.EnrolInstance> {
  return ctx.db.transaction().execute(async (trx) => {
    const instance = await addEnrolInstance(trx, ctx.clock, courseId, input);
    await findEnrolMethod(instance.method)?.onCreate?.(trx, ctx, instance);
    return instance;
  });
}

/** Changes an instance and lets its method update its own records (onUpdate), in one transaction. */
export async function updateMethodInstance(
  ctx: AppContext,
  id: number,
  input: Parameters<typeof updateEnrolInstance>[3],
): Promise<repo.EnrolInstance> {
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await updateEnrolInstance(trx, ctx.clock, id, input);
    await findEnrolMethod(updated.method)?.onUpdate?.(trx, ctx, updated);
    return updated;
  });
}

/** Deletes an instance (its enrolments and the roles it gave) after its method's onDelete, in one transaction. */
export async function deleteMethodInstance(ctx: AppContext, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const instance = await getInstance(trx, id);
    await findEnrolMethod(instance.method)?.onDelete?.(trx, ctx, instance);
    await deleteInstanceIn(trx, id, iso(ctx.clock.now()));
  });
}

export interface SkippedInstance {
  id: number;
  name: string;
  method: string;
  reason: string;
}

/**
 * Copies the enrolment method instances of course `fromCourseId` into `toCourseId` (course copy): each
 * with its common fields and settings, without its users and the roles they hold; the method sets up its
 * own records (onCreate). A method with `notCopied` is left out and listed with its reason. Runs in the
 * caller's transaction.
 */
export async function copyEnrolInstances(
  trx: Db,
  ctx: AppContext,
  v: { fromCourseId: number; toCourseId: number },
): Promise<{ copied: repo.EnrolInstance[]; skipped: SkippedInstance[] }> {
  const copied: repo.EnrolInstance[] = [];
  const skipped: SkippedInstance[] = [];
  const now = iso(ctx.clock.now());
  for (const i of await repo.listInstances(trx, v.fromCourseId)) {
    const method = findEnrolMethod(i.method);
    if (!method || method.notCopied) {
      const reason = method?.notCopied ?? "Its enrolment method is no longer available on this site.";
      skipped.push({ id: i.id, name: i.name, method: i.method, reason });
      continue;
    }
    const copy = await repo.insertInstance(trx, {
      courseId: v.toCourseId,
      method: i.method,
      name: i.name,
      status: i.status,
      enrolPeriod: i.enrolPeriod,
      enrolStart: i.enrolStart,
      enrolEnd: i.enrolEnd,
      maxEnrolled: i.maxEnrolled,
      role: i.role,
      settings: i.settings,
      now,
    });
    await method.onCreate?.(trx, ctx, copy);
    copied.push(copy);
  }
  return { copied, skipped };
}

/** Whether the user has an enrolment (any method, any status) in the course. */
export async function isParticipant(db: Db, courseId: number, userId: number): Promise<boolean> {
  return (await repo.countUserEnrolmentsInCourse(db, courseId, userId)) > 0;
}

/** Replaces the user's roles in the course; roles given here belong to no enrolment instance. */
export async function setUserRoles(
  trx: Db,
  clock: Clock,
  v: { courseId: number; userId: number; roles: readonly Role[] },
): Promise<void> {
  if (!(await isParticipant(trx, v.courseId, v.userId))) throw new NotFoundError("Participant");
  const current = await repo.listRoles(trx, v.courseId, v.userId);
  const now = iso(clock.now());
  for (const role of current)
    if (!v.roles.includes(role as Role)) await repo.deleteRoles(trx, v.courseId, v.userId, now, { role });
  for (const role of v.roles)
    if (!current.includes(role))
      await repo.insertRole(trx, { courseId: v.courseId, userId: v.userId, role, instanceId: null, now });
}

/** Removes every enrolment of the user in the course (and so their roles); returns how many. */
export async function unenrolFromCourse(
  trx: Db,
  courseId: number,
  userId: number,
  clock: Clock = systemClock,
): Promise<number> {
  const enrolments = await repo.listCourseEnrolments(trx, courseId, userId);
  for (const e of enrolments) await unenrolUser(trx, { instanceId: e.instanceId, userId }, clock);
  return enrolments.length;
}

export const listCourseEnrolments = repo.listCourseEnrolments;
/** Deletes the membership change log rows older than `before` (ISO 8601); returns how many. */
export const pruneMembershipChanges = repo.deleteMembershipChangesBefore;
export const countEnrolmentsByInstance = repo.countEnrolmentsByInstance;
export const listUserRoles = repo.listRoles;

/** Roles an actor may give or take in a course: only managers and site admins handle "manager". */
export function assignableRoles(actorRoles: readonly string[], siteAdmin: boolean): Role[] {
  return siteAdmin || actorRoles.includes("manager") ? [...ROLES] : ROLES.filter((r) => r !== "manager");
}

/**
 * Whether an editor may set a role setting to `role`: one of the roles they may assign, or the
 * setting's saved value left as it is (a manager may have chosen it; saving the form untouched must
 * not fail). Forms offer exactly these roles (roleChoices); submissions are checked with the same rule.
 */
export function mayGiveRole(assignable: readonly Role[], role: string, saved?: string): boolean {
  return role === saved || (assignable as readonly string[]).includes(role);
}

/** The options of a role drop-down: the roles mayGiveRole allows, in the usual order. */
export function roleChoices(assignable: readonly Role[], saved?: string): Role[] {
  return ROLES.filter((r) => mayGiveRole(assignable, r, saved));
}

/** The role settings of an instance, by name: its default role ("role") and those its method's settings give. */
export function instanceRoles(
  method: EnrolMethod | undefined,
  v: { role: string; settings: Record<string, unknown> },
): Record<string, string> {
  return { role: v.role, ...method?.rolesOf?.(v.settings) };
}

/** Refuses (403) a role setting changed to a role the editor may not give; `saved` when editing. */
export function assertMayGiveRoles(
  assignable: readonly Role[],
  next: Readonly<Record<string, string>>,
  saved?: Readonly<Record<string, string>>,
): void {
  for (const [setting, role] of Object.entries(next))
    if (!mayGiveRole(assignable, role, saved?.[setting]))
      throw new ForbiddenError("You may not give that role");
}

export type EnrolmentState = "active" | "suspended" | "not_current";

/** Whether an enrolment gives access now: active, through an enabled method, inside its time window. */
export function enrolmentState(e: repo.CourseEnrolment, now: Date): EnrolmentState {
  if (e.status !== "active") return "suspended";
  const t = iso(now);
  if (e.instanceStatus !== "enabled" || (e.timeStart && e.timeStart > t) || (e.timeEnd && e.timeEnd <= t))
    return "not_current";
  return "active";
}

/** The roles a user holds in a course at `now`, through active enrolments only. */
export function activeCourseRoles(db: Db, userId: number, courseId: number, now: Date): Promise<string[]> {
  return repo.listActiveRoles(db, userId, courseId, iso(now));
}

/** The courses where the user has an active enrolment, each with the roles held there (possibly none). */
export async function activeRolesByCourse(db: Db, userId: number, now: Date): Promise<Map<number, string[]>> {
  const roles = new Map<number, Set<string>>();
  for (const r of await repo.listActiveEnrolmentRoles(db, userId, iso(now))) {
    const set = roles.get(r.courseId) ?? new Set<string>();
    if (r.role) set.add(r.role);
    roles.set(r.courseId, set);
  }
  return new Map([...roles].map(([id, set]) => [id, [...set]]));
}
