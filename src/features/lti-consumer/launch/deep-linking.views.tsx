// The page a Deep Linking response ends on (in the tool's frame or window): what was added, or the tool's
// message when the teacher cancelled, with a link back to the course. Inside the dialog of "Select content"
// (public/lti-deep-linking.js), its result (data-lti-deep-linking-done: the count, data-kind, data-href: the
// page to open next) goes to the form's page, which closes the dialog.

import { Layout } from "../../../views/layout.js";
import type { PageContext } from "../../../views/page-context.js";
import type { DeepLinkingOutcome } from "./deep-linking.service.js";

/** Where the teacher goes once the content is in: its section of the course page, or the course page. */
export function deepLinkingNextPath(outcome: DeepLinkingOutcome): string {
  const course = `/course/${outcome.courseId}`;
  return outcome.kind === "added" ? `${course}#section-${outcome.section}` : course;
}

export function DeepLinkingDonePage({ pc, outcome }: { pc: PageContext; outcome: DeepLinkingOutcome }) {
  const next = deepLinkingNextPath(outcome);
  const result = { "data-kind": outcome.kind, "data-href": next };
  return (
    <Layout pc={{ ...pc, embedded: true }} title="Content from the tool">
      {outcome.kind === "added" ? (
        <p class="flash" data-lti-deep-linking-done={String(outcome.count)} {...result}>
          {outcome.count === 1 ? "1 item added" : `${outcome.count} items added`}
        </p>
      ) : outcome.kind === "relinked" ? (
        <p class="flash" data-lti-deep-linking-done="1" {...result}>
          The link of “{outcome.activity.name}” was replaced
        </p>
      ) : (
        <p class="flash" data-lti-deep-linking-done="0" {...result}>
          Nothing was added{outcome.message ? `: ${outcome.message}` : "."}
        </p>
      )}
      <p>
        <a href={next} target="_top">
          Return to course
        </a>
      </p>
      <script src="/static/lti-deep-linking.js" defer />
    </Layout>
  );
}
