// The registry of activity types. Page, Assignment and Quiz register themselves from types/;
// later features (the LTI consumer's "External tool") add theirs with registerActivityType
// without touching the others.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ComponentChildren } from "preact";
import type { z } from "zod";
import type { AppContext } from "../../app/context.js";
import type { Errors } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { Course } from "../courses/courses.service.js";
import type { Capability } from "../roles/capabilities.js";

/** An activity as services and views see it; `settings` is the type's own JSON. */
export interface Activity<S = Record<string, unknown>> {
  id: number;
  courseId: number;
  sectionId: number;
  position: number;
  type: string;
  name: string;
  settings: S;
  visible: boolean;
  completionRule: CompletionRule;
  completionPassGrade: number | null;
  createdAt: string;
  updatedAt: string;
}

export type CompletionRule = "none" | "viewed" | "graded" | "passing";

export interface ActivityViewInput<S> {
  ctx: AppContext;
  request: FastifyRequest;
  reply: FastifyReply;
  pc: PageContext;
  course: Course;
  activity: Activity<S>;
  /** The viewer may manage course material (edit, see hidden, grade). */
  canManage: boolean;
  /** Every capability the viewer holds in the course (e.g. grade:edit to grade submissions). */
  caps: ReadonlySet<Capability>;
}

export interface ActivityType<S = Record<string, unknown>> {
  type: string;
  /** Shown in the "Add course content" picker, e.g. "Page", "Quiz", "External tool". */
  label: string;
  /** One sentence under the label in the picker. */
  description: string;
  /**
   * Whether the activity can carry a grade, so the form offers the grade-based completion rules.
   * The service still asks maxGrade(settings), which may be null for some settings of the type.
   */
  gradable: boolean;
  /** Validates the type's settings (API JSON and parsed form values alike). */
  settingsSchema: z.ZodType<S>;
  /** Turns the type's form fields into a raw settings object, validated with settingsSchema afterwards. */
  settingsFromForm(body: Record<string, unknown>): unknown;
  /** Further checks or normalisation that need I/O (e.g. fetching a cartridge); throws ValidationError. */
  prepare?(ctx: AppContext, courseId: number, settings: S): Promise<S>;
  /** The grade maximum, or null when the activity is not graded. */
  maxGrade(settings: S): number | null;
  /**
   * The name to use when the form's name is left empty, from the prepared settings (e.g. a cartridge's
   * title); without it (or when it returns nothing) the name is required.
   */
  defaultName?(settings: S): string | undefined;
  /** Data the type's form fields need from the database (e.g. site-wide tools), loaded before rendering. */
  formData?(ctx: AppContext, courseId: number): Promise<unknown>;
  /**
   * Further entries of this type in the content picker (e.g. each site-wide external tool); `params` come
   * back to the add form in its query string and preset the type's fields.
   */
  pickerEntries?(
    ctx: AppContext,
    courseId: number,
  ): Promise<Array<{ label: string; description: string; params: Record<string, string> }>>;
  /** The type's own fields in the add/edit form. */
  SettingsFields(props: {
    settings: Partial<S>;
    errors: Errors;
    ctx: AppContext;
    courseId: number;
    /** What formData loaded, if the type has it. */
    data?: unknown;
  }): ComponentChildren;
  /** The body of the activity page. A view may send a whole page itself (the route then sends nothing more). */
  view(input: ActivityViewInput<S>): Promise<ComponentChildren>;
  /** Extra routes of the type (submitting a quiz, grading an assignment, …). */
  routes?(app: FastifyInstance, ctx: AppContext): void | Promise<void>;
}

// Each type's settings differ; the registry stores them behind the common shape.
type AnyActivityType = ActivityType<Record<string, unknown>>;
const types = new Map<string, AnyActivityType>();

export function registerActivityType<S extends Record<string, unknown>>(def: ActivityType<S>): void {
  if (types.has(def.type)) throw new Error(`activity type ${def.type} registered twice`);
  types.set(def.type, def as unknown as AnyActivityType);
}

export function findActivityType(type: string): AnyActivityType | undefined {
  return types.get(type);
}

export function listActivityTypes(): AnyActivityType[] {
  return [...types.values()];
}
