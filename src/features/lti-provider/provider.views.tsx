// Pages of "Publish as LTI tool": Published as LTI tools, the launch log, the site admin's list of
// consumers (which deployments share accounts), and the launch pages a remote user may see
// (rejection, cookie-less continuation).
import { formatInstant } from "../../shared/time-zone.js";
import { AdminLayout } from "../../views/admin-layout.js";
import { CopyField } from "../../views/copy-field.js";
import { CourseLayout, type CourseRef } from "../../views/course-layout.js";
import { ActionButton, Csrf, Select } from "../../views/forms.js";
import { Layout } from "../../views/layout.js";
import type { PageContext } from "../../views/page-context.js";
import type { LaunchLogRow } from "../lti-common/launch-log.service.js";
import type { Capability } from "../roles/capabilities.js";
import type { Consumer } from "./accounts/consumers.service.js";
import type { PublishedDetails, PublishedV1p3 } from "./publications/publications.service.js";

export const PUBLISHED_TITLE = "Published as LTI tools";
export const LAUNCH_LOG_TITLE = "LTI launch log";
export const CONSUMERS_TITLE = "Consumers of published tools";
export const CONSUMERS_PATH = "/admin/lti/consumers";

export function PublishedPage(p: {
  pc: PageContext;
  course: CourseRef;
  caps: ReadonlySet<Capability>;
  items: PublishedDetails[];
  canManage: boolean;
  /** The consumers that launched each publication, by enrolment instance (shown to managers). */
  consumers: ReadonlyMap<number, Consumer[]>;
}) {
  return (
    <CourseLayout
      pc={p.pc}
      course={p.course}
      caps={p.caps}
      title={PUBLISHED_TITLE}
      crumbs={[{ label: PUBLISHED_TITLE }]}
    >
      <p>
        Give the LTI consumer these details so it can embed this course. The consumer key is the consumer's
        own choice: any short name.
      </p>
      {p.items.length === 0 ? (
        <p>
          Nothing is published yet.{" "}
          {p.canManage ? (
            <>
              Add the "Publish as LTI tool" method on{" "}
              <a href={`/course/${p.course.id}/enrol-methods`}>Enrollment methods</a>.
            </>
          ) : null}
        </p>
      ) : (
        p.items.map((d) => (
          <section class="card" aria-labelledby={`pub-${d.id}`} key={d.id}>
            <h2 id={`pub-${d.id}`}>
              {d.name || d.toolName}{" "}
              <span class={d.status === "enabled" ? "badge ok" : "badge off"}>
                {d.status === "enabled" ? "Enabled" : "Disabled"}
              </span>
            </h2>
            <p class="muted">
              {d.version} · publishes {d.publish === "course" ? "the course" : `the activity "${d.toolName}"`}
            </p>
            {d.ltiVersion === "1.3" ? (
              <AdvantageDetails d={d} />
            ) : (
              <>
                <CopyField id={`cartridge-${d.id}`} label="Cartridge URL" value={d.cartridgeUrl} />
                <CopyField id={`launch-${d.id}`} label="Launch URL" value={d.launchUrl} />
                {d.secret !== undefined ? (
                  <CopyField id={`secret-${d.id}`} label="Secret" value={d.secret} secret />
                ) : null}
              </>
            )}
            {p.canManage ? <LaunchedBy consumers={p.consumers.get(d.instanceId) ?? []} pc={p.pc} /> : null}
            {p.canManage ? (
              <p>
                <a href={`/course/${p.course.id}/enrol-methods/${d.instanceId}/edit`}>Edit settings</a>
              </p>
            ) : null}
          </section>
        ))
      )}
    </CourseLayout>
  );
}

/** An LTI Advantage publication: the tool's URLs for the platform, and the custom parameter of the instance. */
function AdvantageDetails({ d }: { d: PublishedV1p3 }) {
  const custom = Object.entries(d.customParameters)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
  return (
    <>
      <dl>
        <dt>LTI version</dt>
        <dd>LTI Advantage</dd>
      </dl>
      <p>
        Register the platform (the LMS that launches this tool) under <strong>Site admin</strong> →{" "}
        <strong>Integrations</strong> → <strong>LTI Advantage platforms</strong>, and give the platform these
        details. The custom parameter selects this instance: add it to the tool's custom parameters on the
        platform. No secret is shared.
      </p>
      <CopyField id={`launch-${d.id}`} label="Launch URL" value={d.launchUrl} />
      <CopyField id={`login-${d.id}`} label="Initiate login URL" value={d.initiateLoginUrl} />
      <CopyField
        id={`redirect-${d.id}`}
        label="Redirection URI(s)"
        hint="One per line: the launch URL and the deep linking URL."
        rows={d.redirectUris.length}
        value={d.redirectUris.join("\n")}
      />
      <CopyField id={`deep-linking-${d.id}`} label="Deep linking URL" value={d.deepLinkingUrl} />
      <CopyField id={`keyset-${d.id}`} label="Public keyset URL" value={d.publicKeysetUrl} />
      <CopyField id={`custom-${d.id}`} label="Custom parameter" value={custom} />
    </>
  );
}

/** The consumer keys a publication was launched with, and whether their remote users share accounts. */
function LaunchedBy({ consumers, pc }: { consumers: Consumer[]; pc: PageContext }) {
  if (consumers.length === 0) return <p class="muted">No consumer has launched it yet.</p>;
  return (
    <>
      <p>
        Launched by these consumers (each keeps its own remote users' accounts unless a site admin declared
        otherwise):
      </p>
      <ul>
        {consumers.map((c) => (
          <li key={c.id}>
            Consumer key <code>{c.consumerKey}</code>: {c.linkedAccounts} account
            {c.linkedAccounts === 1 ? "" : "s"} made
            {c.sharesWith.length > 0
              ? `, shares accounts with ${c.sharesWith.length} other consumer${c.sharesWith.length === 1 ? "" : "s"} of the key`
              : ""}
          </li>
        ))}
      </ul>
      {pc.actor?.siteAdmin ? (
        <p>
          <a href={CONSUMERS_PATH}>Declare which consumers share accounts</a>
        </p>
      ) : null}
    </>
  );
}

/** The launch log, times in `timeZone` (named in the heading). */
export function LaunchLogTable({
  rows,
  showCourse,
  timeZone,
}: {
  rows: LaunchLogRow[];
  showCourse: boolean;
  timeZone: string;
}) {
  if (rows.length === 0) return <p>No launches yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">LTI launches, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When ({timeZone})</th>
            <th scope="col">Direction</th>
            {showCourse ? <th scope="col">Course</th> : null}
            <th scope="col">Consumer key</th>
            <th scope="col">Remote user</th>
            <th scope="col">Local user</th>
            <th scope="col">Result</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{formatInstant(r.createdAt, timeZone, { seconds: true, zone: false })}</td>
              <td>{r.direction === "in" ? "Incoming" : "Outgoing"}</td>
              {showCourse ? <td>{r.courseName ?? ""}</td> : null}
              <td>{r.consumerKey}</td>
              <td>{r.remoteUserId}</td>
              <td>{r.username ?? ""}</td>
              <td>
                <span class={r.result === "ok" ? "badge ok" : "badge warn"}>
                  {r.result === "ok" ? "Accepted" : "Rejected"}
                </span>
              </td>
              <td>
                {r.reason ? <code>{r.reason}</code> : null} {r.result === "ok" ? "" : r.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CourseLaunchLogPage(p: {
  pc: PageContext;
  course: CourseRef;
  caps: ReadonlySet<Capability>;
  rows: LaunchLogRow[];
}) {
  return (
    <CourseLayout
      pc={p.pc}
      course={p.course}
      caps={p.caps}
      title={LAUNCH_LOG_TITLE}
      crumbs={[{ label: LAUNCH_LOG_TITLE }]}
    >
      <LaunchLogTable rows={p.rows} showCourse={false} timeZone={p.pc.timeZone} />
    </CourseLayout>
  );
}

export function SiteLaunchLogPage(p: { pc: PageContext; rows: LaunchLogRow[] }) {
  return (
    <Layout
      pc={p.pc}
      title={LAUNCH_LOG_TITLE}
      crumbs={[{ label: "Site admin", href: "/admin" }, { label: LAUNCH_LOG_TITLE }]}
    >
      <LaunchLogTable rows={p.rows} showCourse timeZone={p.pc.timeZone} />
    </Layout>
  );
}

export function LaunchRejectedPage(p: {
  pc: PageContext;
  reason: string;
  message: string;
  returnUrl?: string;
}) {
  return (
    <Layout pc={p.pc} title="This launch was refused">
      <p class="error-message" role="alert">
        {p.message}
      </p>
      <p class="muted">
        Reason code: <code>{p.reason}</code>. If this keeps happening, tell the teacher of the course you came
        from.
      </p>
      {p.returnUrl ? (
        <p>
          <a href={p.returnUrl} target="_top">
            Return to the course you came from
          </a>
        </p>
      ) : null}
    </Layout>
  );
}

export function CookieBlockedPage(p: { pc: PageContext; handoffUrl: string }) {
  return (
    <Layout pc={p.pc} title="Open in a new window">
      <p>
        Your browser did not keep the sign-in cookie this embedded course needs, so it cannot be shown inside
        this page.
      </p>
      <p>
        <a class="button" href={p.handoffUrl} target="_blank" rel="noopener">
          Open the course in a new window
        </a>
      </p>
    </Layout>
  );
}

/** Site admin: every consumer (deployment) of the published tools, by key, and whose accounts it shares. */
export function ConsumersPage(p: { pc: PageContext; consumers: Consumer[] }) {
  const byKey = new Map<string, Consumer[]>();
  for (const c of p.consumers) byKey.set(c.consumerKey, [...(byKey.get(c.consumerKey) ?? []), c]);
  const labelOf = new Map(p.consumers.map((c) => [c.id, c.label]));
  return (
    <AdminLayout pc={p.pc} title={CONSUMERS_TITLE} crumbs={[{ label: CONSUMERS_TITLE }]}>
      <p>
        Each row is a consumer: a course published as an LTI tool and the consumer key it was first launched
        with. A launch is checked with the publication's own secret, and the consumer key in it is the
        consumer's own choice, so a key alone proves nothing: a remote user reaches only the account made
        through the same row.
      </p>
      <p>
        When two rows with the same key really are one consumer (one LMS launching two published courses),
        declare them the same consumer: a remote user then keeps one account across both courses.{" "}
        <strong>
          Only do this when you know who holds both secrets: whoever can sign launches for either publication
          can then sign in as any remote user of both.
        </strong>{" "}
        Remote users who already have an account through a row keep it. Keeping accounts separate again undoes
        the declaration; accounts stay where they were made.
      </p>
      {byKey.size === 0 ? (
        <p>No published tool has been launched yet.</p>
      ) : (
        [...byKey].map(([key, rows], i) => (
          <section class="card" aria-labelledby={`consumer-key-${i}`} key={key}>
            <h2 id={`consumer-key-${i}`}>
              Consumer key <code>{key}</code>
            </h2>
            <div class="table-wrap">
              <table>
                <caption class="visually-hidden">Consumers launching with the key {key}</caption>
                <thead>
                  <tr>
                    <th scope="col">Published tool</th>
                    <th scope="col">First launch ({p.pc.timeZone})</th>
                    <th scope="col">Accounts made</th>
                    <th scope="col">Shares accounts with</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => {
                    const candidates = c.sameKey.filter((id) => !c.sharesWith.includes(id));
                    return (
                      <tr key={c.id}>
                        <th scope="row">
                          {c.publication ? (
                            <a href={`/course/${c.publication.courseId}/lti-publications`}>{c.label}</a>
                          ) : (
                            c.label
                          )}
                        </th>
                        <td>{formatInstant(c.createdAt, p.pc.timeZone, { zone: false })}</td>
                        <td>{c.linkedAccounts}</td>
                        <td>
                          {c.sharesWith.length === 0
                            ? "No one (its own accounts only)"
                            : c.sharesWith.map((id) => labelOf.get(id) ?? `#${id}`).join(", ")}
                        </td>
                        <td>
                          {candidates.length > 0 ? (
                            <form method="post" action={`${CONSUMERS_PATH}/${c.id}/same-consumer`}>
                              <Csrf token={p.pc.csrf} />
                              <Select
                                id={`same-as-${c.id}`}
                                name="sameAs"
                                label={`Same consumer as… (for ${c.label})`}
                                options={candidates.map((id) => ({
                                  value: String(id),
                                  label: labelOf.get(id) ?? `#${id}`,
                                }))}
                              />
                              <button type="submit">Share accounts</button>
                            </form>
                          ) : null}
                          {c.sharesWith.length > 0 ? (
                            <ActionButton
                              action={`${CONSUMERS_PATH}/${c.id}/separate`}
                              csrf={p.pc.csrf}
                              label={`Keep accounts separate (${c.label})`}
                            />
                          ) : null}
                          {c.sameKey.length === 0 ? "—" : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        ))
      )}
    </AdminLayout>
  );
}
