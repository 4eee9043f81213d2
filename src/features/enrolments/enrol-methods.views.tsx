// The "Enrollment methods" page of a course, the add/edit form of a method instance, and the
// delete confirmation.

import { Fragment } from "preact";
import { formatInstant } from "../../shared/time-zone.js";
import { CourseLayout, type CourseRef } from "../../views/course-layout.js";
import { ActionButton, Csrf, type Errors, Fieldset, FormErrors } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { Capability } from "../roles/capabilities.js";
import { isRole, ROLE_NAMES } from "../roles/capabilities.js";
import { splitPeriod } from "./enrol-form.js";
import { COMMON_FIELDS, type EnrolFormProps, type EnrolMethod } from "./enrol-methods.js";
import type { EnrolInstance } from "./enrolments.service.js";

export const PAGE_TITLE = "Enrollment methods";

interface Frame {
  pc: PageContext;
  course: CourseRef;
  caps: ReadonlySet<Capability>;
}

export const listUrl = (courseId: number) => `/course/${courseId}/enrol-methods`;
export const instanceUrl = (courseId: number, id: number) => `/course/${courseId}/enrol-methods/${id}`;

export function formatPeriod(seconds: number): string {
  const { amount, unit } = splitPeriod(seconds);
  return amount === "1" ? `1 ${unit.slice(0, -1)}` : `${amount} ${unit}`;
}

export const roleName = (role: string) => (isRole(role) ? ROLE_NAMES[role] : role);

/** "2 weeks; from …; until …; at most 30 users", or "No limits"; times in `timeZone`. */
export function instanceSummary(i: EnrolInstance, timeZone: string): string[] {
  const out: string[] = [];
  if (i.enrolPeriod) out.push(`Enrolment period: ${formatPeriod(i.enrolPeriod)}`);
  if (i.enrolStart) out.push(`Starts ${formatInstant(i.enrolStart, timeZone)}`);
  if (i.enrolEnd) out.push(`Ends ${formatInstant(i.enrolEnd, timeZone)}`);
  if (i.maxEnrolled > 0) out.push(`At most ${i.maxEnrolled} users`);
  out.push(`Default role: ${roleName(i.role)}`);
  return out;
}

export interface MethodRow {
  instance: EnrolInstance;
  methodLabel: string;
  enrolled: number;
}

export function EnrolMethodsPage(
  p: Frame & { rows: MethodRow[]; addable: ReadonlyArray<{ key: string; label: string }> },
) {
  const { pc, course } = p;
  return (
    <CourseLayout pc={pc} course={course} caps={p.caps} title={PAGE_TITLE} crumbs={[{ label: PAGE_TITLE }]}>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Enrolment method instances of this course</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Method</th>
              <th scope="col">Status</th>
              <th scope="col">Users enrolled</th>
              <th scope="col">Settings</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.length === 0 ? (
              <tr>
                <td colSpan={6}>
                  This course has no enrolment methods: nobody can be enrolled. Add one below.
                </td>
              </tr>
            ) : null}
            {p.rows.map(({ instance: i, methodLabel, enrolled }) => (
              <tr key={i.id}>
                <th scope="row">{i.name}</th>
                <td>{methodLabel}</td>
                <td>
                  {i.status === "enabled" ? (
                    <span class="badge ok">Enabled</span>
                  ) : (
                    <span class="badge off">Disabled</span>
                  )}
                </td>
                <td>{enrolled}</td>
                <td>
                  <ul class="plain">
                    {instanceSummary(i, pc.timeZone).map((s) => (
                      <li key={s}>{s}</li>
                    ))}
                  </ul>
                </td>
                <td class="actions">
                  <a href={`${instanceUrl(course.id, i.id)}/edit`} aria-label={`Edit ${i.name}`}>
                    Edit
                  </a>
                  {i.status === "enabled" ? (
                    <ActionButton
                      action={`${instanceUrl(course.id, i.id)}/disable`}
                      csrf={pc.csrf}
                      label="Disable"
                    />
                  ) : (
                    <ActionButton
                      action={`${instanceUrl(course.id, i.id)}/enable`}
                      csrf={pc.csrf}
                      label="Enable"
                    />
                  )}
                  <a href={`${instanceUrl(course.id, i.id)}/delete`} aria-label={`Delete ${i.name}`}>
                    Delete
                  </a>
                  {i.method === "manual" ? (
                    <a href={`/course/${course.id}/participants/enrol`}>Enrol users</a>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.addable.length > 0 ? (
        <form method="get" action={`${listUrl(course.id)}/add`} class="add-method">
          <div class="field">
            <label for="add-method">Add method</label>
            <select id="add-method" name="method" required>
              <option value="">Choose…</option>
              {p.addable.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="button">
            Add
          </button>
        </form>
      ) : (
        <p class="muted">Every available enrolment method is already in use in this course.</p>
      )}
    </CourseLayout>
  );
}

export function InstanceFormPage(p: Frame & { method: EnrolMethod; form: EnrolFormProps; errors: Errors }) {
  const { pc, course, method, form } = p;
  const editing = form.instance !== undefined;
  const action = form.instance
    ? `${instanceUrl(course.id, form.instance.id)}/edit`
    : `${listUrl(course.id)}/add`;
  const title = form.instance ? `Edit ${form.instance.name}` : method.label;
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={title}
      crumbs={[{ label: PAGE_TITLE, href: listUrl(course.id) }, { label: title }]}
    >
      <FormErrors errors={p.errors} />
      <form method="post" action={action} novalidate>
        <Csrf token={pc.csrf} />
        <input type="hidden" name="method" value={method.key} />
        {method.FormLayout ? (
          method.FormLayout(form)
        ) : (
          <>
            <Fieldset legend={method.commonLegend ?? method.label}>
              {COMMON_FIELDS.map((f) => (
                <Fragment key={f}>{form.common[f]}</Fragment>
              ))}
            </Fieldset>
            {method.FormSections?.(form)}
          </>
        )}
        <div class="actions">
          <button type="submit" class="button">
            {editing ? "Save changes" : "Add method"}
          </button>
          <a href={listUrl(course.id)}>Cancel</a>
        </div>
      </form>
    </CourseLayout>
  );
}

export function DeleteInstancePage(p: Frame & { instance: EnrolInstance; enrolled: number }) {
  const { pc, course, instance } = p;
  const title = `Delete ${instance.name}`;
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={title}
      crumbs={[{ label: PAGE_TITLE, href: listUrl(course.id) }, { label: title }]}
    >
      <p>
        Do you really want to delete the enrolment method <strong>{instance.name}</strong>?{" "}
        {p.enrolled > 0
          ? `${p.enrolled} ${p.enrolled === 1 ? "user is" : "users are"} enrolled through it and will be unenrolled, losing the roles it gave them.`
          : "Nobody is enrolled through it."}
      </p>
      <div class="actions">
        <form method="post" action={`${instanceUrl(course.id, instance.id)}/delete`} class="inline">
          <Csrf token={pc.csrf} />
          <button type="submit" class="button danger">
            Delete
          </button>
        </form>
        <a href={listUrl(course.id)}>Cancel</a>
      </div>
    </CourseLayout>
  );
}
