// The LTI 1.1 memberships extension as a member source (basic-lis-readmembershipsforcontext; conformance
// cases 61–65): a signed form POST to the consumer's memberships URL, answered with the whole list in one
// `message_response`, so one page. The protocol is src/lti/v1p1/memberships.ts; this file only wires it to
// the outbound fetch and clock it is given.
import { isLtiError } from "../../../lti/errors.js";
import { buildMembershipsRequestParams, parseMembershipsResponse } from "../../../lti/v1p1/memberships.js";
import { signRequest } from "../../../lti/v1p1/oauth.js";
import { formEncode } from "../../../lti/v1p1/oauth-encoding.js";
import type { Clock } from "../../../shared/clock.js";
import type { Fetch } from "../../../shared/outbound.js";
import { outbound, TransportError } from "../transport-error.js";
import type { MembershipSource, RemoteMember } from "./source.js";

export const MEMBERSHIPS_EXT_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export function membershipsExtSource(deps: {
  fetch: Fetch;
  clock: Clock;
}): MembershipSource<"memberships_ext"> {
  return {
    kind: "memberships_ext",
    async *pages(endpoint, signal) {
      const params = signRequest(
        buildMembershipsRequestParams({ id: endpoint.membershipsId }),
        endpoint.url,
        "POST",
        endpoint.consumerKey,
        endpoint.secret,
        { clock: deps.clock },
      );
      const res = await outbound(() =>
        deps.fetch(endpoint.url, {
          method: "POST",
          body: formEncode(params),
          headers: { "content-type": "application/x-www-form-urlencoded" },
          timeoutMs: MEMBERSHIPS_EXT_TIMEOUT_MS,
          maxBytes: MAX_RESPONSE_BYTES,
          acceptAnyStatus: true,
          signal,
        }),
      );
      if (res.status >= 300) {
        throw new TransportError(
          "refused",
          `the consumer's memberships service answered HTTP ${res.status}`,
          true,
          { status: res.status },
        );
      }
      let parsed: ReturnType<typeof parseMembershipsResponse>;
      try {
        parsed = parseMembershipsResponse(res.body);
      } catch (err) {
        if (!isLtiError(err)) throw err;
        throw new TransportError("bad_response", err.message, true, { cause: err, status: res.status });
      }
      if (!parsed.success) {
        throw new TransportError(
          "refused",
          `the consumer's memberships service failed: ${parsed.description ?? parsed.codeMajor}`,
          true,
          { status: res.status },
        );
      }
      yield parsed.members.map(
        (m): RemoteMember => ({
          userId: m.userId,
          roles: m.roles,
          ...(m.givenName !== undefined ? { givenName: m.givenName } : {}),
          ...(m.familyName !== undefined ? { familyName: m.familyName } : {}),
          ...(m.fullName !== undefined ? { fullName: m.fullName } : {}),
          ...(m.email !== undefined ? { email: m.email } : {}),
          ...(m.resultSourcedId !== undefined ? { resultSourcedId: m.resultSourcedId } : {}),
        }),
      );
    },
  };
}
