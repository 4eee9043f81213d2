// The "Completion" report: participants × activities that have a completion rule.
import { formatDate } from "../../shared/time-zone.js";
import { CourseLayout } from "../../views/course-layout.js";
import type { PageContext } from "../../views/page-context.js";
import type { Course } from "../courses/courses.service.js";
import type { Capability } from "../roles/capabilities.js";
import { type CompletionReport, RULE_LABELS } from "./completion.service.js";

export function CompletionReportPage({
  pc,
  course,
  caps,
  report,
}: {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
  report: CompletionReport;
}) {
  const { activities, rows } = report;
  return (
    <CourseLayout pc={pc} course={course} caps={caps} title="Completion" crumbs={[{ label: "Completion" }]}>
      {activities.length === 0 ? (
        <p>
          No activity in this course tracks completion yet. Choose a completion rule in an activity’s
          settings.
        </p>
      ) : null}
      {activities.length > 0 && rows.length === 0 ? <p>No students are enrolled yet.</p> : null}
      {activities.length > 0 && rows.length > 0 ? (
        <div class="table-wrap">
          <table class="completion-report">
            <caption>Activity completion by student</caption>
            <thead>
              <tr>
                <th scope="col">Student</th>
                {activities.map((a) => (
                  <th scope="col" key={a.id}>
                    <a href={`/mod/${a.id}`}>{a.name}</a>
                    <span class="help"> ({RULE_LABELS[a.completionRule]})</span>
                  </th>
                ))}
                <th scope="col">Course complete</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.userId}>
                  <th scope="row">{`${r.firstname} ${r.lastname}`.trim() || r.username}</th>
                  {activities.map((a) => (
                    <td key={a.id} class={r.complete.has(a.id) ? "completion done" : "completion todo"}>
                      {r.complete.has(a.id) ? "Done" : "To do"}
                    </td>
                  ))}
                  <td>
                    {r.courseCompletedAt ? `Yes, ${formatDate(r.courseCompletedAt, pc.timeZone)}` : "No"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </CourseLayout>
  );
}
