// The Basic Outcomes grade transport (LTI 1.1 Implementation Guide §6): a score goes to the consumer's
// outcome service as a replaceResult POX message, signed with oauth_body_hash; the consumer's POX answer
// says whether it took it. The protocol is src/lti/v1p1 (outcomes.ts, oauth-body-hash.ts); this file
// only wires it to the outbound fetch it is given.
import { signBodyHashRequest } from "../../../lti/v1p1/oauth-body-hash.js";
import { buildReplaceResultRequest, parseOutcomeResponse } from "../../../lti/v1p1/outcomes.js";
import type { Fetch } from "../../../shared/outbound.js";
import { outbound, TransportError } from "../transport-error.js";
import type { GradeTransport } from "./transport.js";

/** Each send waits at most this long for the consumer. */
export const BASIC_OUTCOMES_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 256 * 1024;

export function basicOutcomesTransport(deps: { fetch: Fetch }): GradeTransport<"basic_outcomes"> {
  return {
    kind: "basic_outcomes",
    async send(endpoint, score, signal) {
      const body = buildReplaceResultRequest({
        sourcedId: endpoint.sourcedId,
        score: score.scoreGiven / score.scoreMaximum,
        messageIdentifier: score.reference,
      });
      const { authorization } = signBodyHashRequest({
        url: endpoint.serviceUrl,
        body,
        consumerKey: endpoint.consumerKey,
        secret: endpoint.secret,
      });
      const res = await outbound(() =>
        deps.fetch(endpoint.serviceUrl, {
          method: "POST",
          body,
          headers: { "content-type": "application/xml", authorization },
          timeoutMs: BASIC_OUTCOMES_TIMEOUT_MS,
          maxBytes: MAX_RESPONSE_BYTES,
          acceptAnyStatus: true,
          signal,
        }),
      );
      let parsed: ReturnType<typeof parseOutcomeResponse> | undefined;
      try {
        parsed = parseOutcomeResponse(res.body);
      } catch {
        parsed = undefined;
      }
      const description = parsed?.description || `HTTP ${res.status}`;
      // Basic Outcomes cannot tell a refusal that lasts from one that passes, so every refusal is worth
      // another try (the task's backoff and attempt limit bound them).
      if (!parsed?.success || res.status >= 300) {
        const reason = parsed || res.status >= 300 ? "refused" : "bad_response";
        throw new TransportError(
          reason,
          `the consumer refused the grade: ${description}`.slice(0, 300),
          true,
          { status: res.status },
        );
      }
      return { description };
    },
  };
}
