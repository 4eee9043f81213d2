// The content picker, the shared add/edit form of every activity type, the delete confirmation,
// and the frame of an activity page.
import type { ComponentChildren } from "preact";
import type { AppContext } from "../../app/context.js";
import { CourseLayout } from "../../views/course-layout.js";
import { FormProblem } from "../../views/form-problem.js";
import { Checkbox, Csrf, type Errors, Fieldset, Select, TextField } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import { RULE_LABELS } from "../completion/completion.service.js";
import type { Course, Section } from "../courses/courses.service.js";
import type { Capability } from "../roles/capabilities.js";
import type { Activity, ActivityType, CompletionRule } from "./activity-types.js";

interface CourseProps {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
}

export interface PickerEntry {
  type: string;
  label: string;
  description: string;
  params: Record<string, string>;
}

export function ContentPickerPage({
  pc,
  course,
  caps,
  section,
  types,
  entries = [],
}: CourseProps & { section: Section; types: ActivityType[]; entries?: PickerEntry[] }) {
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={caps}
      title="Add course content"
      crumbs={[{ label: "Add course content" }]}
    >
      <p>
        Choose what to add to <strong>{section.name}</strong>.
      </p>
      <ul class="picker">
        {types.map((t) => (
          <li key={t.type}>
            <a
              href={`/course/${course.id}/add/${encodeURIComponent(t.type)}?section=${section.position}`}
              aria-describedby={`type-${t.type}-desc`}
            >
              {t.label}
            </a>
            <p class="help" id={`type-${t.type}-desc`}>
              {t.description}
            </p>
          </li>
        ))}
        {entries.map((e, i) => (
          <li key={`${e.type}-${i}`}>
            <a
              href={`/course/${course.id}/add/${encodeURIComponent(e.type)}?${new URLSearchParams({ ...e.params, section: String(section.position) })}`}
              aria-describedby={`entry-${i}-desc`}
            >
              {e.label}
            </a>
            <p class="help" id={`entry-${i}-desc`}>
              {e.description}
            </p>
          </li>
        ))}
      </ul>
      <p>
        <a href={`/course/${course.id}`}>Cancel</a>
      </p>
    </CourseLayout>
  );
}

export interface ActivityFormValues {
  name?: string;
  visible?: boolean;
  completionRule?: string;
  completionPassGrade?: string | number | null;
}

export interface ActivityFormProps extends CourseProps {
  ctx: AppContext;
  type: ActivityType;
  /** add: into `section`; edit: an existing activity */
  mode: "add" | "edit";
  action: string;
  section?: Section;
  values: ActivityFormValues;
  /** The type's settings: stored ones, or what was just submitted when the form comes back with errors. */
  settings: Record<string, unknown>;
  errors: Errors;
  /** What the type's formData loaded, for its fields. */
  data?: unknown;
}

export function ActivityFormPage(p: ActivityFormProps) {
  const { pc, course, caps, type, values, errors } = p;
  const title =
    p.mode === "add" ? `Adding a new ${type.label}` : `Updating ${type.label}: ${values.name ?? ""}`;
  const rules = (Object.keys(RULE_LABELS) as CompletionRule[]).filter(
    (r) => type.gradable || (r !== "graded" && r !== "passing"),
  );
  // Settings errors arrive as settings.<path>; the type's fields are named by <path>.
  const settingsErrors = (errors ?? [])
    .filter((e) => e.field.startsWith("settings."))
    .map((e) => ({ ...e, field: e.field.slice(9) }));
  return (
    <CourseLayout pc={pc} course={course} caps={caps} title={title} crumbs={[{ label: title }]}>
      {p.section ? (
        <p>
          Section: <strong>{p.section.name}</strong>
        </p>
      ) : null}
      <form method="post" action={p.action} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem errors={errors} />
        {p.section ? <input type="hidden" name="section" value={String(p.section.position)} /> : null}
        <Fieldset legend="General">
          <TextField
            name="name"
            label="Activity name"
            value={values.name}
            errors={errors}
            required
            maxLength={254}
          />
        </Fieldset>
        <Fieldset legend={`${type.label} settings`}>
          {type.SettingsFields({
            settings: p.settings,
            errors: settingsErrors,
            ctx: p.ctx,
            courseId: course.id,
            data: p.data,
          })}
        </Fieldset>
        <Fieldset legend="Completion">
          <Select
            name="completionRule"
            label="Completion tracking"
            value={values.completionRule ?? "none"}
            errors={errors}
            options={rules.map((r) => ({ value: r, label: RULE_LABELS[r] }))}
          />
          {type.gradable ? (
            <TextField
              name="completionPassGrade"
              label="Grade to pass"
              type="number"
              step="any"
              min={0}
              value={values.completionPassGrade ?? ""}
              errors={errors}
              help="Used with “Student must receive a passing grade”."
            />
          ) : null}
        </Fieldset>
        <Fieldset legend="Visibility">
          <Checkbox name="visible" label="Visible to students" checked={values.visible ?? true} />
        </Fieldset>
        <p class="actions">
          <button type="submit" name="save" value="return">
            Save and return to course
          </button>{" "}
          <button type="submit" name="save" value="display" class="secondary">
            Save and display
          </button>{" "}
          <a href={`/course/${course.id}`}>Cancel</a>
        </p>
      </form>
    </CourseLayout>
  );
}

export function DeleteActivityPage({
  pc,
  course,
  caps,
  activity,
  type,
}: CourseProps & { activity: Activity; type: ActivityType }) {
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={caps}
      title="Delete activity"
      crumbs={[{ label: "Delete activity" }]}
    >
      <p>
        Delete the {type.label.toLowerCase()} <strong>{activity.name}</strong>? Its grades, submissions and
        attempts are deleted with it. This cannot be undone.
      </p>
      <form method="post" action={`/mod/${activity.id}/delete`} class="inline">
        <Csrf token={pc.csrf} />
        <button type="submit" class="danger">
          Delete
        </button>
      </form>{" "}
      <a href={`/course/${course.id}`}>Cancel</a>
    </CourseLayout>
  );
}

export function ActivityPage({
  pc,
  course,
  caps,
  activity,
  type,
  children,
}: CourseProps & { activity: Activity; type: ActivityType; children: ComponentChildren }) {
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={caps}
      title={activity.name}
      crumbs={[{ label: activity.name }]}
    >
      <p class="activity-meta">
        <span class="activity-type">{type.label}</span>
        {activity.visible ? null : <span class="badge">Hidden from students</span>}
        {caps.has("course:managematerial") ? (
          <>
            {" "}
            <a href={`/mod/${activity.id}/edit`}>Edit settings</a>
          </>
        ) : null}
      </p>
      {children}
    </CourseLayout>
  );
}
