// The participants page of a course, enrolling users by hand, unenrolling and changing roles.

import { formatInstant } from "../../shared/time-zone.js";
import { CourseLayout, type CourseRef } from "../../views/course-layout.js";
import { Checkbox, Csrf, type Errors, FormErrors, Select } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { Capability, Role } from "../roles/capabilities.js";
import { ROLE_NAMES } from "../roles/capabilities.js";
import { roleName } from "./enrol-methods.views.js";
import type { CourseEnrolment, EnrolmentState, Participant } from "./enrolments.service.js";

export const PARTICIPANTS_TITLE = "Participants";
export const participantsUrl = (courseId: number) => `/course/${courseId}/participants`;

interface Frame {
  pc: PageContext;
  course: CourseRef;
  caps: ReadonlySet<Capability>;
}

export interface ParticipantRow {
  participant: Participant;
  enrolments: Array<CourseEnrolment & { state: EnrolmentState }>;
}

const STATE_BADGE: Record<EnrolmentState, { label: string; cls: string }> = {
  active: { label: "Active", cls: "badge ok" },
  suspended: { label: "Suspended", cls: "badge off" },
  not_current: { label: "Not current", cls: "badge warn" },
};

function timeWindow(e: CourseEnrolment, timeZone: string): string {
  if (!e.timeStart && !e.timeEnd) return "No time limit";
  const from = e.timeStart ? `From ${formatInstant(e.timeStart, timeZone)}` : "";
  const until = e.timeEnd ? `until ${formatInstant(e.timeEnd, timeZone)}` : "no end";
  return from ? `${from}, ${until}` : `Until ${formatInstant(e.timeEnd, timeZone)}`;
}

const fullName = (p: { firstname: string; lastname: string; username: string }) =>
  `${p.firstname} ${p.lastname}`.trim() || p.username;

export function ParticipantsPage(p: Frame & { rows: ParticipantRow[]; canEnrol: boolean }) {
  const { pc, course } = p;
  const base = participantsUrl(course.id);
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={PARTICIPANTS_TITLE}
      crumbs={[{ label: PARTICIPANTS_TITLE }]}
    >
      {p.canEnrol ? (
        <p>
          <a class="button" href={`${base}/enrol`}>
            Enrol users
          </a>
        </p>
      ) : null}
      <p>
        {p.rows.length} {p.rows.length === 1 ? "participant" : "participants"}
      </p>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Users enrolled in this course</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email address</th>
              <th scope="col">Roles</th>
              <th scope="col">Enrolment methods</th>
              <th scope="col">Last access</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map(({ participant: u, enrolments }) => (
              <tr key={u.userId}>
                <th scope="row">
                  {fullName(u)} <span class="muted">({u.username})</span>
                </th>
                <td>{u.email}</td>
                <td>
                  {u.roles.length > 0 ? (
                    u.roles.map(roleName).join(", ")
                  ) : (
                    <span class="muted">No roles</span>
                  )}
                  {p.canEnrol ? (
                    <>
                      {" "}
                      <a href={`${base}/${u.userId}/roles`} aria-label={`Change roles of ${fullName(u)}`}>
                        Change roles
                      </a>
                    </>
                  ) : null}
                </td>
                <td>
                  <ul class="plain">
                    {enrolments.map((e) => (
                      <li key={e.instanceId}>
                        {e.instanceName}{" "}
                        <span class={STATE_BADGE[e.state].cls}>{STATE_BADGE[e.state].label}</span>{" "}
                        <span class="muted">{timeWindow(e, pc.timeZone)}</span>
                        {p.canEnrol ? (
                          <>
                            {" "}
                            <a
                              href={`${base}/${u.userId}/unenrol?instanceId=${e.instanceId}`}
                              aria-label={`Unenrol ${fullName(u)} from ${e.instanceName}`}
                            >
                              Unenrol
                            </a>
                          </>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{u.lastLoginAt ? formatInstant(u.lastLoginAt, pc.timeZone) : "Never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </CourseLayout>
  );
}

export interface Candidate {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  enrolled: boolean;
}

export function EnrolUsersPage(
  p: Frame & {
    q: string;
    candidates: Candidate[];
    roles: readonly Role[];
    defaultRole: string;
    errors: Errors;
    truncated: boolean;
  },
) {
  const { pc, course } = p;
  const base = participantsUrl(course.id);
  const open = p.candidates.filter((c) => !c.enrolled);
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title="Enrol users"
      crumbs={[{ label: PARTICIPANTS_TITLE, href: base }, { label: "Enrol users" }]}
    >
      <FormErrors errors={p.errors} />
      <form method="get" action={`${base}/enrol`}>
        <div class="field">
          <label for="q">Search users</label>
          <input id="q" name="q" type="search" value={p.q} maxLength={100} aria-describedby="q-help" />
          <p class="help" id="q-help">
            Part of a username, email address, first or last name.
          </p>
        </div>
        <button type="submit" class="button secondary">
          Search
        </button>
      </form>
      {p.q === "" ? null : p.candidates.length === 0 ? (
        <p>No users match "{p.q}".</p>
      ) : (
        <form method="post" action={`${base}/enrol`}>
          <Csrf token={pc.csrf} />
          <input type="hidden" name="q" value={p.q} />
          <fieldset>
            <legend>Select users</legend>
            {p.candidates.map((c) =>
              c.enrolled ? (
                <p key={c.id} class="muted">
                  {fullName(c)} ({c.username}, {c.email}): already enrolled
                </p>
              ) : (
                <Checkbox
                  key={c.id}
                  id={`user-${c.id}`}
                  name="userId"
                  value={String(c.id)}
                  label={`${fullName(c)} (${c.username}, ${c.email})`}
                />
              ),
            )}
            {p.truncated ? (
              <p class="help">Only the first results are shown: refine the search to find others.</p>
            ) : null}
          </fieldset>
          {open.length > 0 ? (
            <>
              <Select
                name="role"
                label="Assign role"
                value={p.defaultRole}
                options={p.roles.map((r) => ({ value: r, label: ROLE_NAMES[r] }))}
                errors={p.errors}
              />
              <button type="submit" class="button">
                Enrol users
              </button>
            </>
          ) : null}
        </form>
      )}
    </CourseLayout>
  );
}

export function UnenrolPage(
  p: Frame & {
    user: { id: number; username: string; firstname: string; lastname: string };
    enrolment: CourseEnrolment;
  },
) {
  const { pc, course, user, enrolment } = p;
  const base = participantsUrl(course.id);
  const title = `Unenrol ${fullName(user)}`;
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={title}
      crumbs={[{ label: PARTICIPANTS_TITLE, href: base }, { label: title }]}
    >
      <p>
        Do you really want to unenrol <strong>{fullName(user)}</strong> ({user.username}) from "
        {enrolment.instanceName}"? Their roles given by this enrolment are removed; their grades are kept.
      </p>
      <div class="actions">
        <form method="post" action={`${base}/${user.id}/unenrol`} class="inline">
          <Csrf token={pc.csrf} />
          <input type="hidden" name="instanceId" value={String(enrolment.instanceId)} />
          <button type="submit" class="button danger">
            Unenrol
          </button>
        </form>
        <a href={base}>Cancel</a>
      </div>
    </CourseLayout>
  );
}

export function RolesPage(
  p: Frame & {
    user: { id: number; username: string; firstname: string; lastname: string };
    current: readonly string[];
    assignable: readonly Role[];
    errors: Errors;
  },
) {
  const { pc, course, user } = p;
  const base = participantsUrl(course.id);
  const title = `Roles of ${fullName(user)}`;
  const fixed = p.current.filter((r) => !(p.assignable as readonly string[]).includes(r));
  return (
    <CourseLayout
      pc={pc}
      course={course}
      caps={p.caps}
      title={title}
      crumbs={[{ label: PARTICIPANTS_TITLE, href: base }, { label: title }]}
    >
      <FormErrors errors={p.errors} />
      <form method="post" action={`${base}/${user.id}/roles`}>
        <Csrf token={pc.csrf} />
        <fieldset>
          <legend>Roles in this course</legend>
          {p.assignable.map((r) => (
            <Checkbox
              key={r}
              id={`role-${r}`}
              name="roles"
              value={r}
              label={ROLE_NAMES[r]}
              checked={p.current.includes(r)}
            />
          ))}
          {fixed.length > 0 ? (
            <p class="help">Also holds: {fixed.map(roleName).join(", ")} (only a manager can change that).</p>
          ) : null}
        </fieldset>
        <div class="actions">
          <button type="submit" class="button">
            Save changes
          </button>
          <a href={base}>Cancel</a>
        </div>
      </form>
    </CourseLayout>
  );
}
