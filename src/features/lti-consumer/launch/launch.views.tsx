// What a learner sees of an External tool: the tool in a frame (or a button opening it in a new window), the
// auto-submitting launch form that runs inside that frame or window, and the page tools return to. The
// page framing a tool answers its Platform Storage messages (public/lti-storage.js).
import type { ComponentChildren } from "preact";
import { CourseLayout } from "../../../views/course-layout.js";
import { Layout } from "../../../views/layout.js";
import type { PageContext } from "../../../views/page-context.js";
import type { Course } from "../../courses/courses.service.js";
import type { Capability } from "../../roles/capabilities.js";
import type { StoredLtiSettings } from "../tools/lti-settings.js";
import { framedLaunchPath, launchPath } from "./launch.service.js";

export function ToolLaunchArea({
  activityId,
  name,
  settings,
  canLaunch,
  canManage,
}: {
  activityId: number;
  name: string;
  settings: StoredLtiSettings;
  canLaunch: boolean;
  canManage: boolean;
}) {
  const href = launchPath(activityId);
  const icon = settings.secureIconUrl || settings.iconUrl;
  return (
    <div class="lti-activity">
      {settings.description ? <p class="lti-description">{settings.description}</p> : null}
      {!canLaunch ? (
        <p>You can see this tool, but only course participants can open it.</p>
      ) : settings.launchContainer === "window" ? (
        <p>
          <a class="button" href={href} target="_blank" rel="noopener">
            {icon ? <img src={icon} alt="" width={24} height={24} class="lti-icon" /> : null}
            Launch {name} in a new window
          </a>
        </p>
      ) : (
        <>
          {/* The frame's LTI 1.3 tool may keep its state in Platform Storage: answered by this script. */}
          <script src="/static/lti-storage-early.js" />
          <script type="module" src="/static/lti-storage.js" />
          <iframe
            class="lti-frame"
            src={framedLaunchPath(activityId)}
            data-lti-storage=""
            title={name}
            allow="fullscreen; clipboard-write; microphone; camera; autoplay"
            allowFullScreen
          />
          <p class="help">
            The tool does not show?{" "}
            <a href={href} target="_blank" rel="noopener">
              Open {name} in a new window
            </a>
            .
          </p>
        </>
      )}
      {canManage ? <ToolSummary settings={settings} /> : null}
    </div>
  );
}

/** For those who manage the course: where the tool launches (never the shared secret). */
function ToolSummary({ settings }: { settings: StoredLtiSettings }) {
  return (
    <details class="lti-summary">
      <summary>Tool configuration</summary>
      <dl>
        <dt>Tool URL</dt>
        <dd>{settings.toolUrl || "From the preconfigured tool"}</dd>
        {settings.cartridgeUrl ? (
          <>
            <dt>Launch URL (from the cartridge)</dt>
            <dd>{settings.secureLaunchUrl || settings.launchUrl}</dd>
          </>
        ) : null}
        {settings.vendorName ? (
          <>
            <dt>Vendor</dt>
            <dd>{settings.vendorName}</dd>
          </>
        ) : null}
        <dt>Grades</dt>
        <dd>{settings.acceptGrades ? `Accepted, out of ${settings.maxGrade}` : "Not accepted"}</dd>
      </dl>
    </details>
  );
}

/** "Embed, without blocks": the course page frame without the course admin menu beside the tool. */
export function FullWidthActivityPage({
  pc,
  course,
  activityId,
  name,
  canManage,
  children,
}: {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
  activityId: number;
  name: string;
  canManage: boolean;
  children: ComponentChildren;
}) {
  return (
    <Layout
      pc={pc}
      title={name}
      crumbs={[
        { label: "My courses", href: "/my" },
        { label: course.shortname, href: `/course/${course.id}` },
        { label: name },
      ]}
    >
      <p class="activity-meta">
        <span class="activity-type">External tool</span>
        {canManage ? (
          <>
            {" "}
            <a href={`/mod/${activityId}/edit`}>Edit settings</a>
          </>
        ) : null}
      </p>
      {children}
    </Layout>
  );
}

/**
 * The launch itself: a form of exactly the signed fields, posted to the tool by public/pluto.js at once
 * (data-autosubmit), or by the visible button when scripts do not run.
 */
export function LaunchFormPage({
  name,
  url,
  fields,
}: {
  name: string;
  url: string;
  fields: Record<string, string>;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="origin" />
        <title>{`Opening ${name}`}</title>
        <link rel="stylesheet" href="/static/pluto.css" />
        <script src="/static/pluto.js" defer />
      </head>
      <body class="embedded lti-launch">
        <main id="main">
          <form method="post" action={url} data-autosubmit="" encType="application/x-www-form-urlencoded">
            {Object.entries(fields).map(([k, v]) => (
              <input key={k} type="hidden" name={k} value={v} />
            ))}
            <p>Opening {name}…</p>
            <button type="submit">Continue to the tool</button>
          </form>
        </main>
      </body>
    </html>
  );
}

export function LaunchUnavailablePage({
  pc,
  name,
  message,
  code = "conflict",
}: {
  pc: PageContext;
  name: string;
  message: string;
  /** The error code the page names (data-error-code). */
  code?: string;
}) {
  return (
    <Layout pc={{ ...pc, embedded: true }} title={name}>
      <p class="error-message" role="alert" data-error-code={code}>
        {message}
      </p>
    </Layout>
  );
}

/** Where a tool sends the user back (launch_presentation_return_url), with its lti_msg or lti_errormsg. */
export function ReturnPage({
  pc,
  course,
  caps,
  name,
  message,
  error,
}: {
  pc: PageContext;
  course: Course;
  caps: ReadonlySet<Capability>;
  name: string;
  message?: string;
  error?: string;
}) {
  return (
    <CourseLayout pc={pc} course={course} caps={caps} title={name} crumbs={[{ label: name }]}>
      {error ? (
        <p class="error-message" role="alert">
          The tool reported a problem: {error}
        </p>
      ) : null}
      {message ? <p class="flash">{message}</p> : null}
      <p>
        <a href={`/course/${course.id}`} target="_top">
          Return to course
        </a>
      </p>
    </CourseLayout>
  );
}
