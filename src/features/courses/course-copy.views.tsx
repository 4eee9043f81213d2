// The Copy course form: the new course's full name, short name and start date, and what a copy holds.

import { CourseLayout } from "../../views/course-layout.js";
import { FormProblem } from "../../views/form-problem.js";
import { Csrf, type Errors, TextField } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { Capability } from "../roles/capabilities.js";
import type { Course } from "./courses.service.js";
import { CourseNameFields } from "./courses.views.js";

export interface CopyFormValues {
  fullname?: string;
  shortname?: string;
  startDate?: string;
}

export function CopyCoursePage({
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
  values: CopyFormValues;
  errors: Errors;
  code?: string;
}) {
  return (
    <CourseLayout pc={pc} course={course} caps={caps} title="Copy course" crumbs={[{ label: "Copy course" }]}>
      <p>
        The copy is a new course with this course's sections, activities and their settings, grade items and
        enrolment methods. It has no participants, grades, submissions, attempts or completions. Methods that
        publish the course as an LTI tool are not copied: their consumer key and secret stay with this course.
        External tools in the copy get new resource link and context ids, and tell the tool the earlier ones (
        <code>$ResourceLink.id.history</code>, <code>$Context.id.history</code>).
      </p>
      <form method="post" action={`/course/${course.id}/copy`} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem errors={errors} code={code} />
        <CourseNameFields values={values} errors={errors} shortnameHelp="Unique on this site." />
        <TextField
          name="startDate"
          label="Course start date"
          type="date"
          value={values.startDate}
          errors={errors}
          help="Optional."
        />
        <p class="actions">
          <button type="submit">Copy course</button>
        </p>
      </form>
      <p>
        <a href={`/course/${course.id}`}>Cancel</a>
      </p>
    </CourseLayout>
  );
}
