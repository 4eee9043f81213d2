// "My courses" and the course settings form.

import { CourseLayout } from "../../views/course-layout.js";
import { FormProblem } from "../../views/form-problem.js";
import { Checkbox, Csrf, type Errors, TextArea, TextField } from "../../views/forms.js";
import { Layout } from "../../views/layout.js";
import type { PageContext } from "../../views/page-context.js";
import { type Capability, isRole, ROLE_NAMES } from "../roles/capabilities.js";
import type { Course } from "./courses.service.js";

export function MyCoursesPage({
  pc,
  courses,
  allCourses,
}: {
  pc: PageContext;
  courses: Array<Course & { roles: string[] }>;
  /** Site admins: every course on the site. */
  allCourses?: Course[];
}) {
  return (
    <Layout pc={pc} title="My courses">
      {pc.actor?.siteAdmin ? (
        <p>
          <a class="button" href="/course/new">
            Create course
          </a>
        </p>
      ) : null}
      {courses.length === 0 ? (
        <p>You are not enrolled in any course yet.</p>
      ) : (
        <ul class="course-list">
          {courses.map((c) => (
            <li key={c.id}>
              <a href={`/course/${c.id}`}>{c.fullname}</a> <span class="muted">({c.shortname})</span>
              {c.roles.length > 0 ? (
                <span class="muted"> · {c.roles.map((r) => (isRole(r) ? ROLE_NAMES[r] : r)).join(", ")}</span>
              ) : null}
              {c.visible ? null : <span class="badge">Hidden from students</span>}
            </li>
          ))}
        </ul>
      )}
      {allCourses ? (
        <section aria-labelledby="all-courses">
          <h2 id="all-courses">All courses</h2>
          {allCourses.length === 0 ? (
            <p>There are no courses yet.</p>
          ) : (
            <ul class="course-list">
              {allCourses.map((c) => (
                <li key={c.id}>
                  <a href={`/course/${c.id}`}>{c.fullname}</a> <span class="muted">({c.shortname})</span>
                  {c.visible ? null : <span class="badge">Hidden from students</span>}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </Layout>
  );
}

export interface CourseFormValues {
  fullname?: string;
  shortname?: string;
  summary?: string;
  visible?: boolean;
  startDate?: string;
}

function CourseFields({
  pc,
  action,
  values,
  errors,
  submit,
  code,
}: {
  pc: PageContext;
  action: string;
  values: CourseFormValues;
  errors: Errors;
  submit: string;
  code?: string;
}) {
  return (
    <form method="post" action={action} novalidate>
      <Csrf token={pc.csrf} />
      <FormProblem errors={errors} code={code} />
      <CourseNameFields
        values={values}
        errors={errors}
        shortnameHelp="Unique on this site; shown in breadcrumbs and lists."
      />
      <TextArea name="summary" label="Course summary" value={values.summary} errors={errors} rows={4} />
      <TextField
        name="startDate"
        label="Course start date"
        type="date"
        value={values.startDate}
        errors={errors}
        help="Optional."
      />
      <Checkbox name="visible" label="Visible to students" checked={values.visible ?? true} />
      <p class="actions">
        <button type="submit">{submit}</button>
      </p>
    </form>
  );
}

export function NewCoursePage({
  pc,
  values,
  errors,
  code,
}: {
  pc: PageContext;
  values: CourseFormValues;
  errors: Errors;
  code?: string;
}) {
  return (
    <Layout
      pc={pc}
      title="Create course"
      crumbs={[{ label: "My courses", href: "/my" }, { label: "Create course" }]}
    >
      <CourseFields
        pc={pc}
        action="/course/new"
        values={values}
        errors={errors}
        code={code}
        submit="Create course"
      />
    </Layout>
  );
}

export function EditCoursePage({
  pc,
  course,
  caps,
  values,
  errors,
  code,
}: {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
  values: CourseFormValues;
  errors: Errors;
  code?: string;
}) {
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={caps}
      title="Edit course settings"
      crumbs={[{ label: "Edit course settings" }]}
    >
      <CourseFields
        pc={pc}
        action={`/course/${course.id}/edit`}
        values={values}
        errors={errors}
        code={code}
        submit="Save changes"
      />
      <p>
        <a href={`/course/${course.id}`}>Cancel</a>
      </p>
    </CourseLayout>
  );
}

/** A course's full and short name fields, as the course settings form and the Copy course form ask for them. */
export function CourseNameFields({
  values,
  errors,
  shortnameHelp,
}: {
  values: { fullname?: string; shortname?: string };
  errors: Errors;
  shortnameHelp: string;
}) {
  return (
    <>
      <TextField
        name="fullname"
        label="Course full name"
        value={values.fullname}
        errors={errors}
        required
        maxLength={254}
      />
      <TextField
        name="shortname"
        label="Course short name"
        value={values.shortname}
        errors={errors}
        required
        maxLength={100}
        help={shortnameHelp}
      />
    </>
  );
}
