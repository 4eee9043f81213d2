// The settings of a "Publish as LTI tool" instance, as the API names them and as the form sends
// them. Stored in the instance's settings JSON; the lti_publications row mirrors them for lookups.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { type FieldError, ValidationError } from "../../../shared/errors.js";
import { formBool } from "../../../shared/validation.js";
import { findActivity } from "../../activities/activities.service.js";
import { ROLES, type Role } from "../../roles/capabilities.js";
import { profileValueRules } from "../../users/users.service.js";
import { hasActivePlatform } from "../platforms/platforms.service.js";
import type { MemberSyncMode, UserDefaults } from "./publications.repository.js";

export const MEMBER_SYNC_MODES: ReadonlyArray<{ value: MemberSyncMode; label: string }> = [
  { value: "enrol_and_unenrol", label: "Enrol new and unenrol missing users" },
  { value: "enrol_new", label: "Enrol new users" },
  { value: "unenrol_missing", label: "Unenrol missing users" },
];

/** LTI Advantage (1.3) or Legacy LTI (1.1). */
export type LtiVersion = "1.3" | "1.1";

export const LTI_VERSIONS: ReadonlyArray<{ value: LtiVersion; label: string }> = [
  { value: "1.3", label: "LTI Advantage" },
  { value: "1.1", label: "Legacy LTI (1.1)" },
];

/**
 * The version of a new instance when none is chosen, in the form and in the API alike: LTI Advantage
 * once the site has an Active LTI Advantage platform to launch it (Site admin → Integrations → LTI
 * Advantage platforms); before that (a fresh site, the user guide's key-and-secret steps) Legacy LTI (1.1).
 */
export async function defaultLtiVersion(ctx: Pick<AppContext, "db">): Promise<LtiVersion> {
  return (await hasActivePlatform(ctx.db)) ? "1.3" : "1.1";
}

export interface PublicationSettings {
  ltiVersion: LtiVersion;
  publish: "course" | "activity";
  activityId: number | null;
  secret: string;
  gradeSync: boolean;
  gradeSyncCompletion: boolean;
  memberSync: boolean;
  memberSyncMode: MemberSyncMode;
  roleInstructor: Role;
  roleLearner: Role;
  defaults: UserDefaults;
}

/** 40 random letters and digits: the shared secret the consumer signs launches with. */
export function generateSecret(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (const b of randomBytes(40)) out += alphabet[b % alphabet.length];
  return out;
}

const SECRET_PATTERN = /^[A-Za-z0-9]{32,128}$/;

const defaultsSchema = z
  .object({
    country: profileValueRules.country.default(""),
    city: z.string().trim().max(120, "City must be at most 120 characters").default(""),
    timezone: profileValueRules.timezone.default(""),
    lang: profileValueRules.lang.default(""),
    institution: z.string().trim().max(255, "Institution must be at most 255 characters").default(""),
  })
  .strict();

const settingsSchema = z.object({
  // Required here: the parsers put in the default (defaultLtiVersion) or the previous version first.
  ltiVersion: z.enum(["1.3", "1.1"], {
    error: 'ltiVersion must be "1.3" (LTI Advantage) or "1.1" (Legacy LTI)',
  }),
  publish: z.enum(["course", "activity"], { error: "publish must be course or activity" }).default("course"),
  activityId: z.number().int().positive().nullable().optional(),
  secret: z
    .string()
    .trim()
    .regex(SECRET_PATTERN, "The secret must be 32 to 128 letters and digits")
    .optional(),
  gradeSync: z.boolean().default(true),
  gradeSyncCompletion: z.boolean().default(false),
  memberSync: z.boolean().default(false),
  memberSyncMode: z.enum(["enrol_and_unenrol", "enrol_new", "unenrol_missing"]).default("enrol_and_unenrol"),
  roleInstructor: z.enum(ROLES).default("editingteacher"),
  roleLearner: z.enum(ROLES).default("student"),
  defaults: defaultsSchema.default({ country: "", city: "", timezone: "", lang: "", institution: "" }),
});

function fail(issues: z.core.$ZodIssue[]): never {
  const fields: FieldError[] = issues.map((i) => ({
    field: i.path.map(String).join(".") || "_",
    message: i.message,
  }));
  throw new ValidationError(fields.map((f) => f.message).join(" "), fields);
}

async function finish(
  ctx: AppContext,
  courseId: number,
  v: z.output<typeof settingsSchema>,
  previous?: PublicationSettings,
): Promise<PublicationSettings> {
  let activityId: number | null = null;
  if (v.publish === "activity") {
    if (!v.activityId)
      throw new ValidationError("Choose the activity to publish", [
        { field: "activityId", message: "Choose the activity to publish" },
      ]);
    const activity = await findActivity(ctx.db, v.activityId);
    if (!activity || activity.courseId !== courseId) {
      throw new ValidationError("The activity to publish must belong to this course", [
        { field: "activityId", message: "The activity to publish must belong to this course" },
      ]);
    }
    activityId = activity.id;
  }
  return {
    ltiVersion: v.ltiVersion,
    publish: v.publish,
    activityId,
    // An LTI Advantage instance uses no secret; it keeps one all the same, so an instance switched
    // from 1.1 keeps the secret its consumer has (and a switch back to 1.1 finds one ready).
    secret: v.secret ?? previous?.secret ?? generateSecret(),
    gradeSync: v.gradeSync,
    gradeSyncCompletion: v.gradeSync && v.gradeSyncCompletion,
    memberSync: v.memberSync,
    memberSyncMode: v.memberSyncMode,
    roleInstructor: v.roleInstructor,
    roleLearner: v.roleLearner,
    defaults: v.defaults,
  };
}

export function settingsOf(stored: Record<string, unknown>): PublicationSettings {
  // Settings stored without a version are from before LTI Advantage: LTI 1.1 ones.
  const ltiVersion: LtiVersion = stored.ltiVersion === "1.3" ? "1.3" : "1.1";
  const r = settingsSchema.safeParse({ ...stored, ltiVersion });
  const v = r.success ? r.data : settingsSchema.parse({ ltiVersion });
  return {
    ltiVersion,
    publish: v.publish,
    activityId: v.activityId ?? null,
    secret: typeof stored.secret === "string" ? stored.secret : "",
    gradeSync: v.gradeSync,
    gradeSyncCompletion: v.gradeSyncCompletion,
    memberSync: v.memberSync,
    memberSyncMode: v.memberSyncMode,
    roleInstructor: v.roleInstructor,
    roleLearner: v.roleLearner,
    defaults: v.defaults,
  };
}

/** API body → settings; a PATCH (previous given) changes only the fields sent. */
export async function parseApiSettings(
  ctx: AppContext,
  courseId: number,
  body: Record<string, unknown>,
  previous?: PublicationSettings,
): Promise<PublicationSettings> {
  const pick: Record<string, unknown> = previous ? { ...previous, defaults: previous.defaults } : {};
  for (const key of [
    "ltiVersion",
    "publish",
    "activityId",
    "secret",
    "gradeSync",
    "gradeSyncCompletion",
    "memberSync",
    "memberSyncMode",
    "roleInstructor",
    "roleLearner",
  ]) {
    if (body[key] !== undefined) pick[key] = body[key];
  }
  // The learner role is the instance's default role: `role` sets it too when `roleLearner` is not sent.
  if (body.roleLearner === undefined && body.role !== undefined) pick.roleLearner = body.role;
  if (body.defaults !== undefined) {
    pick.defaults =
      typeof body.defaults === "object" && body.defaults !== null
        ? { ...(previous?.defaults ?? {}), ...(body.defaults as object) }
        : body.defaults;
  }
  if (body.regenerateSecret === true) pick.secret = generateSecret();
  // A new instance without a version takes the site's default; a PATCH keeps the previous one.
  if (pick.ltiVersion === undefined) pick.ltiVersion = await defaultLtiVersion(ctx);
  const r = settingsSchema.safeParse(pick);
  if (!r.success) fail(r.error.issues);
  return finish(ctx, courseId, r.data, previous);
}

const yesNo = z.enum(["1", "0"], { error: "Choose Yes or No" });

/** Form body → settings. Field names: ltiVersion, tool, secret, regenerateSecret, gradeSync, … defaults_country … */
export async function parseFormSettings(
  ctx: AppContext,
  courseId: number,
  body: Record<string, unknown>,
  previous?: PublicationSettings,
): Promise<PublicationSettings> {
  const form = z
    .object({
      // Without the field (an older form), a new instance takes the default and an existing one keeps its version.
      ltiVersion: z.string().max(10).optional(),
      tool: z
        .string({ error: "Choose the tool to publish" })
        .regex(/^(course|\d{1,10})$/, "Choose the tool to publish"),
      secret: z.string().max(200).default(""),
      regenerateSecret: formBool,
      gradeSync: yesNo.default("1"),
      gradeSyncCompletion: yesNo.default("0"),
      memberSync: yesNo.default("0"),
      memberSyncMode: z.string().default("enrol_and_unenrol"),
      roleInstructor: z.string().default("editingteacher"),
      role: z.string().default("student"),
      defaults_country: z.string().max(10).default(""),
      defaults_city: z.string().max(500).default(""),
      defaults_timezone: z.string().max(200).default(""),
      defaults_lang: z.string().max(100).default(""),
      defaults_institution: z.string().max(1000).default(""),
    })
    .safeParse(body);
  if (!form.success) fail(form.error.issues);
  const f = form.data;
  const ltiVersion = f.ltiVersion ?? previous?.ltiVersion ?? (await defaultLtiVersion(ctx));
  const typed = f.secret.trim();
  const candidate = {
    ltiVersion,
    publish: f.tool === "course" ? "course" : "activity",
    activityId: f.tool === "course" ? null : Number(f.tool),
    // The secret fields are Legacy LTI (1.1) ones: for LTI Advantage they are hidden and not required,
    // so what they hold is kept when valid and otherwise left alone (never an error on a hidden field).
    secret:
      ltiVersion !== "1.3"
        ? f.regenerateSecret
          ? generateSecret()
          : typed || undefined
        : SECRET_PATTERN.test(typed)
          ? typed
          : undefined,
    gradeSync: f.gradeSync === "1",
    gradeSyncCompletion: f.gradeSyncCompletion === "1",
    memberSync: f.memberSync === "1",
    memberSyncMode: f.memberSyncMode,
    roleInstructor: f.roleInstructor,
    roleLearner: f.role,
    defaults: {
      country: f.defaults_country,
      city: f.defaults_city,
      timezone: f.defaults_timezone,
      lang: f.defaults_lang,
      institution: f.defaults_institution,
    },
  };
  const r = settingsSchema.safeParse(candidate);
  if (!r.success) {
    // Report errors under the form's own field names.
    const rename: Record<string, string> = { activityId: "tool", publish: "tool", roleLearner: "role" };
    fail(
      r.error.issues.map((i) => ({
        ...i,
        path: [
          rename[String(i.path[0])] ??
            (i.path[0] === "defaults" ? `defaults_${String(i.path[1])}` : String(i.path[0])),
        ],
      })),
    );
  }
  try {
    return await finish(ctx, courseId, r.data, previous);
  } catch (err) {
    if (err instanceof ValidationError)
      throw new ValidationError(
        err.message,
        err.fields.map((e) => ({ ...e, field: e.field === "activityId" ? "tool" : e.field })),
      );
    throw err;
  }
}
