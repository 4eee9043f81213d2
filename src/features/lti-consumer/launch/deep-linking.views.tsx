// The page a Deep Linking response ends on (in the tool's frame or window): what was added, or the tool's
// message when the teacher cancelled, with a link back to the course. A page opened by "Select content"
// tells its opener (data-lti-deep-linking-done) so the form's page can reload.

import { Layout } from "../../../views/layout.js";
import type { PageContext } from "../../../views/page-context.js";
import type { DeepLinkingOutcome } from "./deep-linking.service.js";

export function DeepLinkingDonePage({ pc, outcome }: { pc: PageContext; outcome: DeepLinkingOutcome }) {
  const course = `/course/${outcome.courseId}`;
  return (
    <Layout pc={{ ...pc, embedded: true }} title="Content from the tool">
      {outcome.kind === "added" ? (
        <p class="flash" data-lti-deep-linking-done={String(outcome.count)}>
          {outcome.count === 1 ? "1 item added" : `${outcome.count} items added`}
        </p>
      ) : outcome.kind === "relinked" ? (
        <p class="flash" data-lti-deep-linking-done="1">
          The link of “{outcome.activity.name}” was replaced
        </p>
      ) : (
        <p class="flash" data-lti-deep-linking-done="0">
          Nothing was added{outcome.message ? `: ${outcome.message}` : "."}
        </p>
      )}
      <p>
        <a href={course} target="_top">
          Return to course
        </a>
      </p>
    </Layout>
  );
}
