// The registry of enrolment methods. "manual" is the core's; later features add theirs
// (e.g. "lti" for Publish as LTI tool) through registerEnrolMethod without touching this file.
//
// The add/edit form of an instance is the common fields (name, status, enrolment period, start and
// end dates, maximum enrolled users, default role) plus the method's own part. By default the
// common fields sit in one fieldset (legend: `commonLegend`) followed by `FormSections`; a method
// that needs the common fields inside its own section (e.g. "Publish as LTI tool") renders the
// whole form body with `FormLayout`, placing the pre-rendered `common` fields where it wants.

import type { ComponentChildren } from "preact";
import type { AppContext } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import type { Errors } from "../../views/forms.js";
import type { Role } from "../roles/capabilities.js";
import type { EnrolInstance } from "./enrolments.repository.js";

/** Values every method instance has (columns of enrol_instances). */
export interface InstanceCommon {
  name: string;
  status: "enabled" | "disabled";
  enrolPeriod: number | null;
  enrolStart: string | null;
  enrolEnd: string | null;
  maxEnrolled: number;
  role: string;
}

/** The common fields of the instance form; their form field names are the same in every layout. */
export const COMMON_FIELDS = [
  "name",
  "status",
  "enrolPeriod",
  "enrolStart",
  "enrolEnd",
  "maxEnrolled",
  "role",
] as const;
export type CommonFieldName = (typeof COMMON_FIELDS)[number];

/** The common fields, rendered, for a method's FormLayout to place. */
export type CommonFieldNodes = Readonly<Record<CommonFieldName, ComponentChildren>>;

export interface EnrolFormProps {
  courseId: number;
  /** The instance being edited; undefined when adding. */
  instance?: EnrolInstance;
  /** The submitted form after a rejected submit; otherwise the instance's settings ({} when adding). */
  values: Record<string, unknown>;
  errors: Errors;
  /** What the method's loadFormData returned ({} without one). */
  data: Record<string, unknown>;
  /** The common fields, rendered with the submitted or stored values and their errors. */
  common: CommonFieldNodes;
  /**
   * The options of the drop-down of a role setting (a key of rolesOf): the roles the editor may
   * assign in the course, and the setting's saved value.
   */
  roleChoices: (setting: string) => readonly Role[];
}

type Settings = Record<string, unknown>;

export interface EnrolMethod {
  key: string;
  /** Shown in the "Add method" drop-down, e.g. "Manual enrolments", "Publish as LTI tool". */
  label: string;
  /** Whether a course may have several instances of the method. */
  multiple: boolean;
  /** Legend of the fieldset holding the common fields in the default layout (default: the label). */
  commonLegend?: string;
  /** Labels replacing the default ones of common fields, e.g. { role: "Role for learners" }. */
  commonLabels?: Partial<Record<CommonFieldName, string>>;
  /**
   * Parses the method's own settings from a form body into the JSON stored in settings; throws
   * ValidationError with the form field names. `existing` is the instance being edited.
   */
  parseForm(
    body: Record<string, unknown>,
    ctx: AppContext,
    courseId: number,
    existing?: EnrolInstance,
  ): Promise<Settings> | Settings;
  /** Parses the method's own settings from an API body (a PATCH passes `existing`: merge with it). */
  parseApi(
    body: Record<string, unknown>,
    ctx: AppContext,
    courseId: number,
    existing?: EnrolInstance,
  ): Promise<Settings> | Settings;
  /** The method's own sections, rendered after the common fieldset in the default layout. */
  FormSections?: (props: EnrolFormProps) => ComponentChildren;
  /** The whole form body (common fields included, via props.common) instead of the default layout. */
  FormLayout?: (props: EnrolFormProps) => ComponentChildren;
  /** Data for the method-specific part of the form (e.g. activities to publish). */
  loadFormData?: (
    ctx: AppContext,
    courseId: number,
    instance?: EnrolInstance,
  ) => Promise<Record<string, unknown>>;
  /**
   * The roles the method's own settings give, by setting name (e.g. { roleInstructor: "teacher" }).
   * An editor may set each only to a role they may assign or leave it at its saved value
   * (enrolments.service mayGiveRole); the form's drop-down of a setting offers `roleChoices(name)`.
   */
  rolesOf?: (settings: Settings) => Readonly<Record<string, string>>;
  /** Extra JSON the API returns for an instance (e.g. published details). */
  present?: (ctx: AppContext, instance: EnrolInstance) => Promise<Settings> | Settings;
  /**
   * Why a course copy leaves this method's instances out, shown with the copy's result (e.g. a published
   * tool, whose consumer credentials must not be duplicated silently). Without it, a copy copies the
   * method's instances with their settings, without their users.
   */
  notCopied?: string;
  /** Called when an instance is created, inside the creating transaction. */
  onCreate?: (trx: Db, ctx: AppContext, instance: EnrolInstance) => Promise<void>;
  /** Called after an instance changed (form, API, enable/disable), inside the same transaction. */
  onUpdate?: (trx: Db, ctx: AppContext, instance: EnrolInstance) => Promise<void>;
  /** Called before an instance and its enrolments are deleted, inside the same transaction. */
  onDelete?: (trx: Db, ctx: AppContext, instance: EnrolInstance) => Promise<void>;
}

const methods = new Map<string, EnrolMethod>();

export function registerEnrolMethod(m: EnrolMethod): void {
  if (methods.has(m.key)) throw new Error(`enrol method ${m.key} registered twice`);
  methods.set(m.key, m);
}

export function findEnrolMethod(key: string): EnrolMethod | undefined {
  return methods.get(key);
}

export function listEnrolMethods(): EnrolMethod[] {
  return [...methods.values()];
}

/** The label of a method key, or the key itself for a method no longer registered. */
export function enrolMethodLabel(key: string): string {
  return methods.get(key)?.label ?? key;
}

export const manualEnrolMethod: EnrolMethod = {
  key: "manual",
  label: "Manual enrolments",
  multiple: false,
  parseForm: () => ({}),
  parseApi: () => ({}),
};
