// Accounts: creation, profile updates, passwords, API tokens.
import { z } from "zod";
import type { Db } from "../../db/database.js";
import { isUniqueViolation } from "../../db/errors.js";
import type { Clock } from "../../shared/clock.js";
import { iso } from "../../shared/clock.js";
import { ConflictError, NotFoundError, ValidationError } from "../../shared/errors.js";
import { hashPassword, randomToken, sha256Hex, verifyPassword } from "../../shared/secrets.js";
import { isTimeZone } from "../../shared/time-zone.js";
import { parseInput, trimmed } from "../../shared/validation.js";
import * as repo from "./users.repository.js";

export type { ApiToken, User } from "./users.repository.js";

const emailFormat = z.email();

/**
 * The rules for the profile values other features also take (LTI publications' user default values):
 * each may be empty, which means "not set".
 */
export const profileValueRules = {
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine((v) => v === "" || /^[A-Z]{2}$/.test(v), "Country must be a two-letter code such as GB"),
  timezone: z
    .string()
    .trim()
    .max(100)
    .refine((v) => v === "" || isTimeZone(v), "Timezone is not a known time zone (e.g. Europe/London)"),
  lang: z
    .string()
    .trim()
    .max(30)
    .refine(
      (v) => v === "" || /^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$/.test(v),
      "Preferred language must be a code such as en or pt_br",
    ),
};

/** Profile fields as sent; absent fields stay absent (a PATCH changes only what it names). */
export const profileFieldsSchema = z.object({
  email: z
    .string()
    .trim()
    .max(254, "Email address must be at most 254 characters")
    .refine((v) => v === "" || emailFormat.safeParse(v).success, "Email address is not valid"),
  firstname: trimmed(100),
  lastname: trimmed(100),
  country: profileValueRules.country,
  city: trimmed(120),
  timezone: profileValueRules.timezone,
  lang: profileValueRules.lang,
  institution: trimmed(255),
});

/** A complete profile: absent fields are empty. */
export const profileSchema = z.object({
  email: profileFieldsSchema.shape.email.default(""),
  firstname: profileFieldsSchema.shape.firstname.default(""),
  lastname: profileFieldsSchema.shape.lastname.default(""),
  country: profileFieldsSchema.shape.country.default(""),
  city: profileFieldsSchema.shape.city.default(""),
  timezone: profileFieldsSchema.shape.timezone.default(""),
  lang: profileFieldsSchema.shape.lang.default(""),
  institution: profileFieldsSchema.shape.institution.default(""),
});

export const usernameSchema = z
  .string({ error: "Username is required" })
  .trim()
  .toLowerCase()
  .min(1, "Username is required")
  .max(100, "Username must be at most 100 characters")
  .regex(/^[a-z0-9._@-]+$/, "Username may contain only letters, digits and . _ @ -");

export const passwordSchema = z
  .string({ error: "Password is required" })
  .min(8, "Password must be at least 8 characters")
  .max(200, "Password must be at most 200 characters");

export const newUserSchema = profileSchema.extend({
  username: usernameSchema,
  password: passwordSchema,
  auth: z.enum(["manual", "lti"]).default("manual"),
});

export async function createUser(
  db: Db,
  clock: Clock,
  input: unknown,
  opts: { siteAdmin?: boolean } = {},
): Promise<repo.User> {
  const v = parseInput(newUserSchema, input);
  if (await repo.findUserByUsername(db, v.username))
    throw new ConflictError(`Username ${v.username} is already taken`);
  const { password, username, auth, ...profile } = v;
  try {
    return await repo.insertUser(db, {
      ...profile,
      username,
      auth,
      passwordHash: await hashPassword(password),
      siteAdmin: opts.siteAdmin ?? false,
      now: iso(clock.now()),
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`Username ${username} is already taken`);
    throw err;
  }
}

export const updateUserSchema = profileFieldsSchema.partial().extend({
  password: z.union([z.literal(""), passwordSchema]).optional(),
  suspended: z.boolean().optional(),
  auth: z.enum(["manual", "lti"]).optional(),
});

export async function updateUserProfile(
  db: Db,
  clock: Clock,
  userId: number,
  input: unknown,
  opts: { admin: boolean },
) {
  const v = parseInput(updateUserSchema, input);
  const user = await repo.findUserById(db, userId);
  if (!user) throw new NotFoundError("User");
  const { password, suspended, auth, ...profile } = v;
  await repo.updateUser(db, userId, {
    ...profile,
    ...(password ? { passwordHash: await hashPassword(password) } : {}),
    ...(opts.admin && suspended !== undefined ? { suspended } : {}),
    ...(opts.admin && auth !== undefined ? { auth } : {}),
    now: iso(clock.now()),
  });
  if (opts.admin && suspended) await repo.deleteSessionsOfUser(db, userId);
  return (await repo.findUserById(db, userId)) as repo.User;
}

export async function getUser(db: Db, id: number): Promise<repo.User> {
  const u = await repo.findUserById(db, id);
  if (!u) throw new NotFoundError("User");
  return u;
}

/** A user's own profile form: the profile fields, and a new password only with the current one. */
export const ownAccountSchema = profileSchema.extend({
  currentPassword: z.string().max(200, "Current password is too long").default(""),
  newPassword: z.union([z.literal(""), passwordSchema]).default(""),
  confirmPassword: z.string().max(200, "Password confirmation is too long").default(""),
});

/**
 * A user edits their own profile and, optionally, their password. Everything is checked before
 * anything is written. Changing the password ends the user's other sessions (`keepSession` is
 * the hash of the session making the change).
 */
export async function updateOwnAccount(
  db: Db,
  clock: Clock,
  userId: number,
  input: unknown,
  opts: { keepSession?: string } = {},
): Promise<{ user: repo.User; passwordChanged: boolean }> {
  const v = parseInput(ownAccountSchema, input);
  const { currentPassword, newPassword, confirmPassword, ...profile } = v;
  const user = await getUser(db, userId);
  let passwordHash: string | undefined;
  if (newPassword) {
    if (newPassword !== confirmPassword) {
      throw new ValidationError("The new passwords do not match", [
        { field: "confirmPassword", message: "The new passwords do not match" },
      ]);
    }
    const stored = await repo.findUserByUsername(db, user.username);
    if (!(await verifyPassword(currentPassword, stored?.passwordHash ?? null))) {
      throw new ValidationError("Current password is incorrect", [
        { field: "currentPassword", message: "Current password is incorrect" },
      ]);
    }
    passwordHash = await hashPassword(newPassword);
  }
  await repo.updateUser(db, userId, { ...profile, passwordHash, now: iso(clock.now()) });
  if (passwordHash) await repo.deleteSessionsOfUser(db, userId, opts.keepSession);
  return { user: await getUser(db, userId), passwordChanged: passwordHash !== undefined };
}

/**
 * The operator's password reset (`pluto user reset-password`): sets a new password for the user
 * named `username` and ends every session they have, so a reset after a leak also logs out
 * whoever holds the old password. API tokens are kept; they are revoked on the profile page.
 */
export async function resetPassword(
  db: Db,
  clock: Clock,
  username: string,
  password: unknown,
): Promise<{ user: repo.User; sessionsEnded: number }> {
  const v = parseInput(z.object({ password: passwordSchema }), { password });
  const name = username.trim().toLowerCase();
  const user = name ? await repo.findUserByUsername(db, name) : undefined;
  if (!user) throw new NotFoundError(`User ${username.trim() || "(no name)"}`);
  const passwordHash = await hashPassword(v.password);
  const sessionsEnded = await db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, { passwordHash, now: iso(clock.now()) });
    return repo.deleteSessionsOfUser(trx, user.id);
  });
  return { user: await getUser(db, user.id), sessionsEnded };
}

export const findUserByUsername = repo.findUserByUsername;
export const countUsers = repo.countUsers;
export const findUserById = repo.findUserById;
export const listUsers = repo.listUsers;
export const listApiTokens = repo.listApiTokens;
export const deleteApiToken = repo.deleteApiToken;

/** Creates an API token; the plain value is returned once and only its hash is stored. */
export async function createApiToken(
  db: Db,
  clock: Clock,
  userId: number,
  name: string,
  value: string = `pluto_${randomToken(30)}`,
): Promise<{ id: number; token: string }> {
  const id = await repo.insertApiToken(
    db,
    userId,
    name.trim().slice(0, 100) || "API token",
    sha256Hex(value),
    iso(clock.now()),
  );
  return { id, token: value };
}

/** The profile values an account created by another system starts with (see createExternalUser). */
export type ExternalProfile = Pick<
  repo.ProfileFields,
  "country" | "city" | "timezone" | "lang" | "institution"
>;

/**
 * Creates an account that signs in through LTI (auth "lti", no password), with the given names and
 * profile values; undefined when the username is taken (by a simultaneous launch of the same remote
 * user). Runs in the caller's transaction.
 */
export function createExternalUser(
  db: Db,
  v: {
    username: string;
    email: string;
    firstname: string;
    lastname: string;
    profile: ExternalProfile;
    now: string;
  },
): Promise<number | undefined> {
  const { profile, ...rest } = v;
  return repo.insertExternalUser(db, { ...rest, ...profile, auth: "lti" });
}

/** Brings an external account's names and email in line with what its system sent. */
export function updateExternalUser(
  db: Db,
  userId: number,
  changes: { firstname?: string; lastname?: string; email?: string },
  now: string,
): Promise<void> {
  return repo.updateNames(db, userId, changes, now);
}
