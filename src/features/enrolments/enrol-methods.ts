// The registry of enrolment methods. "manual" is the core's; later features add theirs
// (e.g. "lti" for Publish as LTI tool) through registerEnrolMethod without touching this file.
import type { FastifyRequest } from "fastify";
import type { ComponentChildren } from "preact";
import type { AppContext } from "../../http/context.js";
import type { Errors } from "../../views/forms.js";
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

export interface EnrolMethod {
  key: string;
  /** Shown in the "Add method" drop-down, e.g. "Manual enrolments", "Publish as LTI tool". */
  label: string;
  /** Whether a course may have several instances of the method. */
  multiple: boolean;
  /** Parses the method's own settings from a form body (HTML) into the JSON stored in settings. */
  parseForm(body: Record<string, unknown>, ctx: AppContext, courseId: number): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Parses the method's own settings from an API body. */
  parseApi(body: Record<string, unknown>, ctx: AppContext, courseId: number, existing?: EnrolInstance): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Extra form sections rendered after the common fields. */
  FormSections?: (props: { instance?: EnrolInstance; values: Record<string, unknown>; errors: Errors; courseId: number; ctx: AppContext; request: FastifyRequest }) => ComponentChildren;
  /** Data for the method-specific part of the form (e.g. activities to publish). */
  loadFormData?: (ctx: AppContext, courseId: number) => Promise<Record<string, unknown>>;
  /** Extra JSON the API returns for an instance (e.g. published details). */
  present?: (ctx: AppContext, instance: EnrolInstance) => Record<string, unknown>;
  /** Called when an instance is created (inside the transaction). */
  onCreate?: (ctx: AppContext, instance: EnrolInstance) => Promise<void>;
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

registerEnrolMethod({
  key: "manual",
  label: "Manual enrolments",
  multiple: false,
  parseForm: () => ({}),
  parseApi: () => ({}),
});
