import { AdminLayout, siteAdminGroups } from "../../views/admin-layout.js";
import { Csrf } from "../../views/forms.js";
import { Layout } from "../../views/layout.js";
import type { PageContext } from "../../views/page-context.js";
import { Pager } from "../../views/pager.js";
import type { Course } from "../courses/courses.service.js";
import type { CourseOverview } from "./admin.service.js";

/** The Site admin index: each section, and a line on what is there. */
export function AdminIndexPage({ pc }: { pc: PageContext }) {
  const groups = siteAdminGroups();
  return (
    <Layout pc={pc} title="Site administration" crumbs={[{ label: "Site admin" }]}>
      <p class="lead">
        What concerns the whole site rather than one course. A course's own settings, participants and
        enrolment methods are under Course admin in that course.
      </p>
      {groups.map((g, i) => (
        <section key={g.name} aria-labelledby={`group-${i}`} class="admin-group">
          <h2 id={`group-${i}`}>{g.name}</h2>
          <dl class="admin-index">
            {g.links.map((l) => (
              <div key={l.href}>
                <dt>
                  <a href={l.href}>{l.label}</a>
                </dt>
                <dd>{l.description}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </Layout>
  );
}

export function CoursesAdminPage({
  pc,
  courses,
  total,
  page,
  pages,
  search,
}: {
  pc: PageContext;
  courses: CourseOverview[];
  total: number;
  page: number;
  pages: number;
  search: string;
}) {
  return (
    <AdminLayout pc={pc} title="Courses">
      <p>
        <a href="/course/new" class="button">
          Add a new course
        </a>
      </p>
      <search>
        <form method="get" action="/admin/courses" class="inline-search">
          <label for="course-search">Search courses</label>{" "}
          <input id="course-search" type="search" name="q" value={search} maxLength={100} />{" "}
          <button type="submit">Search</button>
        </form>
      </search>
      <p>
        {total} {total === 1 ? "course" : "courses"}
        {search ? ` matching “${search}”` : ""}
      </p>
      {courses.length > 0 ? (
        <table>
          <caption class="visually-hidden">Courses</caption>
          <thead>
            <tr>
              <th scope="col">Full name</th>
              <th scope="col">Short name</th>
              <th scope="col">Visibility</th>
              <th scope="col">Participants</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {courses.map((c) => (
              <tr key={c.id}>
                <th scope="row">
                  <a href={`/course/${c.id}`}>{c.fullname}</a>
                </th>
                <td>{c.shortname}</td>
                <td>{c.visible ? "Shown" : "Hidden"}</td>
                <td>{c.participants}</td>
                <td>
                  <a href={`/course/${c.id}/edit`} aria-label={`Edit ${c.fullname}`}>
                    Edit
                  </a>{" "}
                  <a href={`/admin/courses/${c.id}/delete`} aria-label={`Delete ${c.fullname}`}>
                    Delete
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No courses yet.</p>
      )}
      <Pager base="/admin/courses" page={page} pages={pages} params={{ q: search }} />
    </AdminLayout>
  );
}

export function DeleteCoursePage({
  pc,
  course,
  participants,
  activities,
}: {
  pc: PageContext;
  course: Course;
  participants: number;
  activities: number;
}) {
  return (
    <AdminLayout
      pc={pc}
      title={`Delete course ${course.shortname}`}
      crumbs={[{ label: "Courses", href: "/admin/courses" }, { label: "Delete" }]}
    >
      <p>
        Delete <strong>{course.fullname}</strong> ({course.shortname}) with its {activities}{" "}
        {activities === 1 ? "activity" : "activities"}, the enrolments of its {participants}{" "}
        {participants === 1 ? "participant" : "participants"}, and all grades and completion records?
      </p>
      <p class="warning">This cannot be undone.</p>
      <form method="post" action={`/admin/courses/${course.id}/delete`}>
        <Csrf token={pc.csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="danger">
          Delete course
        </button>{" "}
        <a href="/admin/courses">Cancel</a>
      </form>
    </AdminLayout>
  );
}
