// The common fields of the enrolment method form: HTML form body ⇄ instance values. Dates in the
// form are datetime-local values in the editor's time zone; the period is a number with a unit.
import { z } from "zod";
import { type FieldError, ValidationError } from "../../shared/errors.js";
import { fromWallTime, toWallTime } from "../../shared/time-zone.js";
import { formBool } from "../../shared/validation.js";
import { ROLES, type Role } from "../roles/capabilities.js";
import type { InstanceCommon } from "./enrol-methods.js";
import type { EnrolInstance } from "./enrolments.service.js";

export const PERIOD_UNITS = { hours: 3600, days: 86400, weeks: 604800 } as const;
export type PeriodUnit = keyof typeof PERIOD_UNITS;
export const MAX_PERIOD_SECONDS = 100 * 365 * 86400;
export const MAX_ENROLLED_LIMIT = 10_000_000;

/** What the common fields show: strings as typed, so a rejected submit is shown back unchanged. */
export interface CommonFormValues {
  name: string;
  status: string;
  enrolPeriodEnabled: boolean;
  enrolPeriod: string;
  enrolPeriodUnit: string;
  enrolStartEnabled: boolean;
  enrolStart: string;
  enrolEndEnabled: boolean;
  enrolEnd: string;
  maxEnrolled: string;
  role: string;
}

const text = (max: number, what: string) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .max(max, `${what} must be at most ${max} characters`);

const commonFormSchema = z.object({
  name: text(254, "Name").default(""),
  status: z.enum(["enabled", "disabled"], { error: "Status must be Enabled or Disabled" }).default("enabled"),
  enrolPeriodEnabled: formBool,
  enrolPeriod: text(30, "Enrolment period").default(""),
  enrolPeriodUnit: z
    .enum(["hours", "days", "weeks"], { error: "Choose hours, days or weeks" })
    .default("days"),
  enrolStartEnabled: formBool,
  enrolStart: text(30, "Enrolment start").default(""),
  enrolEndEnabled: formBool,
  enrolEnd: text(30, "Enrolment end").default(""),
  maxEnrolled: text(30, "Maximum enrolled users").default("0"),
  role: z.enum(ROLES, { error: "Choose a role from the list" }),
});

/**
 * Parses the common fields of a submitted form, dates read as wall-clock time in `timeZone`; throws
 * ValidationError naming the form fields. A date left as the edit form showed it keeps the stored
 * instant of `existing` (its seconds, and which of two repeated wall times it was).
 */
export function parseCommonForm(
  body: Record<string, unknown>,
  timeZone: string,
  existing?: Pick<InstanceCommon, "enrolStart" | "enrolEnd">,
): InstanceCommon & { role: Role } {
  const v = (() => {
    const r = commonFormSchema.safeParse(body);
    if (r.success) return r.data;
    const fields = r.error.issues.map((i) => ({
      field: i.path.map(String).join(".") || "_",
      message: i.message,
    }));
    throw new ValidationError(fields.map((f) => f.message).join(" "), fields);
  })();
  const errors: FieldError[] = [];
  let enrolPeriod: number | null = null;
  if (v.enrolPeriodEnabled) {
    const n = Number(v.enrolPeriod);
    const seconds = Math.round(n * PERIOD_UNITS[v.enrolPeriodUnit]);
    if (v.enrolPeriod === "" || !Number.isFinite(n) || seconds <= 0) {
      errors.push({ field: "enrolPeriod", message: "Enrolment period must be a number greater than 0" });
    } else if (seconds > MAX_PERIOD_SECONDS) {
      errors.push({ field: "enrolPeriod", message: "Enrolment period must be at most 100 years" });
    } else enrolPeriod = seconds;
  }
  const date = (enabled: boolean, value: string, field: "enrolStart" | "enrolEnd", what: string) => {
    if (!enabled) return null;
    const stored = existing?.[field];
    if (stored && toWallTime(stored, timeZone) === value) return stored;
    const t = fromWallTime(value, timeZone);
    if (!t) errors.push({ field, message: `${what} must be a date and time` });
    return t ?? null;
  };
  const enrolStart = date(v.enrolStartEnabled, v.enrolStart, "enrolStart", "Enrolment start");
  const enrolEnd = date(v.enrolEndEnabled, v.enrolEnd, "enrolEnd", "Enrolment end");
  if (enrolStart && enrolEnd && enrolEnd <= enrolStart)
    errors.push({ field: "enrolEnd", message: "The enrolment end date must be after the start date" });
  let maxEnrolled = 0;
  if (!/^\d{1,8}$/.test(v.maxEnrolled) || Number(v.maxEnrolled) > MAX_ENROLLED_LIMIT) {
    errors.push({
      field: "maxEnrolled",
      message: `Maximum enrolled users must be a whole number from 0 to ${MAX_ENROLLED_LIMIT}`,
    });
  } else maxEnrolled = Number(v.maxEnrolled);
  if (errors.length > 0) throw new ValidationError(errors.map((e) => e.message).join(" "), errors);
  return { name: v.name, status: v.status, enrolPeriod, enrolStart, enrolEnd, maxEnrolled, role: v.role };
}

/** The largest unit that divides the period, so 604800 s shows as 1 week. */
export function splitPeriod(seconds: number): { amount: string; unit: PeriodUnit } {
  for (const unit of ["weeks", "days", "hours"] as const) {
    if (seconds % PERIOD_UNITS[unit] === 0) return { amount: String(seconds / PERIOD_UNITS[unit]), unit };
  }
  return { amount: String(Math.round((seconds / 3600) * 1000) / 1000), unit: "hours" };
}

/** The form values of an existing instance (dates in `timeZone`), or of a new one with the method's defaults. */
export function commonValuesOf(instance: EnrolInstance | undefined, timeZone: string): CommonFormValues {
  const period = instance?.enrolPeriod ? splitPeriod(instance.enrolPeriod) : { amount: "", unit: "days" };
  return {
    name: instance?.name ?? "",
    status: instance?.status ?? "enabled",
    enrolPeriodEnabled: Boolean(instance?.enrolPeriod),
    enrolPeriod: period.amount,
    enrolPeriodUnit: period.unit,
    enrolStartEnabled: Boolean(instance?.enrolStart),
    enrolStart: toWallTime(instance?.enrolStart, timeZone),
    enrolEndEnabled: Boolean(instance?.enrolEnd),
    enrolEnd: toWallTime(instance?.enrolEnd, timeZone),
    maxEnrolled: String(instance?.maxEnrolled ?? 0),
    role: instance?.role ?? "student",
  };
}

/** The values of a rejected submit, to show it back as typed. */
export function commonValuesFromBody(body: Record<string, unknown>): CommonFormValues {
  const s = (k: string, fallback = "") =>
    typeof body[k] === "string" ? (body[k] as string).slice(0, 300) : fallback;
  const b = (k: string) => formBool.safeParse(body[k]).data === true;
  return {
    name: s("name"),
    status: s("status", "enabled"),
    enrolPeriodEnabled: b("enrolPeriodEnabled"),
    enrolPeriod: s("enrolPeriod"),
    enrolPeriodUnit: s("enrolPeriodUnit", "days"),
    enrolStartEnabled: b("enrolStartEnabled"),
    enrolStart: s("enrolStart"),
    enrolEndEnabled: b("enrolEndEnabled"),
    enrolEnd: s("enrolEnd"),
    maxEnrolled: s("maxEnrolled", "0"),
    role: s("role", "student"),
  };
}
