// The course page: sections in order with their activities, the editing-mode switch, and for
// learners their completion state of each tracked activity.
import { CourseLayout } from "../../views/course-layout.js";
import { Csrf, TextField } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import { ActivityControls } from "../activities/activity-controls.js";
import { type Activity, findActivityType } from "../activities/activity-types.js";
import type { Capability } from "../roles/capabilities.js";
import type { Course, Section } from "./courses.service.js";

export interface CoursePageProps {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
  sections: readonly Section[];
  activities: readonly Activity[];
  editing: boolean;
  /** For learners: the ids of tracked activities they have completed; null when not tracked. */
  completed: ReadonlySet<number> | null;
  courseComplete: boolean;
}

export function CoursePage(p: CoursePageProps) {
  const { pc, course, caps, editing } = p;
  const bySection = new Map<number, Activity[]>();
  for (const a of p.activities) bySection.set(a.sectionId, [...(bySection.get(a.sectionId) ?? []), a]);
  return (
    <CourseLayout pc={pc} course={course} caps={caps} title={course.fullname}>
      {course.visible ? null : <p class="badge">This course is hidden from students.</p>}
      {course.summary ? <p class="course-summary">{course.summary}</p> : null}
      {caps.has("course:managematerial") || caps.has("course:update") ? (
        <div class="course-tools">
          {caps.has("course:managematerial") ? (
            <form method="post" action={`/course/${course.id}/editing`} class="inline">
              <Csrf token={pc.csrf} />
              <button type="submit" aria-pressed={editing ? "true" : "false"}>
                {editing ? "Turn editing off" : "Edit course material"}
              </button>
            </form>
          ) : null}
          {caps.has("course:update") ? (
            <a class="button secondary" href={`/course/${course.id}/edit`}>
              Edit course settings
            </a>
          ) : null}
        </div>
      ) : null}
      {p.completed && p.courseComplete ? (
        <p class="completion-banner" role="status">
          You have completed this course.
        </p>
      ) : null}
      {p.sections.map((s) => (
        <SectionBlock key={s.id} {...p} section={s} activities={bySection.get(s.id) ?? []} />
      ))}
      {editing ? (
        <form method="post" action={`/course/${course.id}/sections`} class="add-section">
          <Csrf token={pc.csrf} />
          <TextField name="name" label="New section name" maxLength={254} help="Leave empty for “Topic N”." />
          <button type="submit" class="secondary">
            Add section
          </button>
        </form>
      ) : null}
    </CourseLayout>
  );
}

function SectionBlock(p: CoursePageProps & { section: Section; activities: Activity[] }) {
  const { section, activities, editing, pc, course } = p;
  const headingId = `section-${section.position}`;
  return (
    <section class="section course-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{section.name}</h2>
      {section.summary ? <p>{section.summary}</p> : null}
      {activities.length > 0 ? (
        <ul class="activity-list">
          {activities.map((a, i) => (
            <li key={a.id} class={a.visible ? "activity" : "activity dimmed"}>
              <span class="activity-type">{findActivityType(a.type)?.label ?? a.type}</span>{" "}
              <a href={`/mod/${a.id}`}>{a.name}</a>
              {a.visible ? null : <span class="badge">Hidden from students</span>}
              {p.completed && a.completionRule !== "none" ? (
                <CompletionMark done={p.completed.has(a.id)} />
              ) : null}
              {editing ? (
                <ActivityControls
                  pc={pc}
                  activity={a}
                  sections={p.sections}
                  first={i === 0}
                  last={i === activities.length - 1}
                />
              ) : null}
            </li>
          ))}
        </ul>
      ) : editing ? (
        <p class="muted">No activities in this section yet.</p>
      ) : null}
      {editing ? (
        <p>
          <a class="button" href={`/course/${course.id}/add?section=${section.position}`}>
            Add course content<span class="visually-hidden"> to {section.name}</span>
          </a>
        </p>
      ) : null}
    </section>
  );
}

function CompletionMark({ done }: { done: boolean }) {
  return (
    <span class={done ? "completion done" : "completion todo"}>
      <span class="visually-hidden">Completion status: </span>
      {done ? "Done" : "To do"}
    </span>
  );
}
