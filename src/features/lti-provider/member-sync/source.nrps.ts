// The NRPS member source (LTI 1.3 Names and Role Provisioning Services 2.0; conformance cases 179–188, peers
// note §4.4): the context memberships URL read with a service token, page after page by `Link: rel="next"`
// to the end. With the launch's resource link it asks with `rlid` first, for the members of that link, and
// reads the whole context when the platform refuses `rlid` (a 400 or 404, as Schoology answers). Only
// Active members are listed (a missing status is Active), so the sync modes treat an Inactive member as one
// no longer listed, as the memberships extension lists only current members. The protocol is
// src/lti/services-client/nrps.ts; tokens come from ../service-token.ts.
import { isLtiError } from "../../../lti/errors.js";
import { nextPageUrl } from "../../../lti/services-client/link-header.js";
import {
  isMembershipContainerType,
  membershipsUrl,
  NRPS_ACCEPT,
  type NrpsMember,
  parseMembershipContainer,
} from "../../../lti/services-client/nrps.js";
import { NRPS_CLAIM, NRPS_SCOPE_MEMBERSHIP_READONLY } from "../../../lti/vocab/claims.js";
import type { Fetch, OutboundResponse } from "../../../shared/outbound.js";
import { answerExcerpt, type ServicePlatform, type ServiceTokens } from "../service-token.js";
import { outbound, TransportError } from "../transport-error.js";
import type { MembershipSource, NrpsEndpoint, RemoteMember } from "./source.js";

export const NRPS_TIMEOUT_MS = 15_000;
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** Pages read at most (a platform that pages 50 at a time: 50 000 members). */
export const MAX_NRPS_PAGES = 1000;

/** The claim name nrpsEndpointFrom reads, for the launch wiring. */
export const NRPS_ENDPOINT_CLAIM = NRPS_CLAIM;

/**
 * The NRPS endpoint of a resource link, from a verified 1.3 launch: the NRPS claim
 * (`…/lti-nrps/claim/namesroleservice`), the platform Pluto is registered with, and the launch's resource
 * link id (sent as `rlid`). Undefined when the claim has no `context_memberships_url`.
 */
export function nrpsEndpointFrom(
  claim: unknown,
  launch: { platform: ServicePlatform; resourceLinkId?: string },
): NrpsEndpoint | undefined {
  if (claim === null || typeof claim !== "object" || Array.isArray(claim)) return undefined;
  const url = (claim as Record<string, unknown>).context_memberships_url;
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return undefined;
  return {
    kind: "nrps",
    platform: launch.platform,
    contextMembershipsUrl: url,
    ...(launch.resourceLinkId ? { rlid: launch.resourceLinkId } : {}),
  };
}

const toRemote = (m: NrpsMember): RemoteMember => ({
  userId: m.userId,
  roles: m.roles,
  ...(m.givenName !== undefined ? { givenName: m.givenName } : {}),
  ...(m.familyName !== undefined ? { familyName: m.familyName } : {}),
  ...(m.name !== undefined ? { fullName: m.name } : {}),
  ...(m.email !== undefined ? { email: m.email } : {}),
});

export function nrpsSource(deps: { fetch: Fetch; tokens: ServiceTokens }): MembershipSource<"nrps"> {
  const scopes = [NRPS_SCOPE_MEMBERSHIP_READONLY];
  const get = (endpoint: NrpsEndpoint, url: string, signal: AbortSignal | undefined) =>
    outbound(() =>
      deps.tokens.authorized(
        endpoint.platform,
        scopes,
        (authorization) =>
          deps.fetch(url, {
            headers: { authorization, accept: NRPS_ACCEPT },
            timeoutMs: NRPS_TIMEOUT_MS,
            maxBytes: MAX_PAGE_BYTES,
            acceptAnyStatus: true,
            signal,
          }),
        signal,
      ),
    );

  const page = (res: OutboundResponse): NrpsMember[] => {
    if (res.status !== 200) {
      throw new TransportError(
        "refused",
        `the platform's memberships service refused: ${answerExcerpt(res)}`,
        res.status >= 500 || [401, 408, 429].includes(res.status),
        { status: res.status },
      );
    }
    if (!isMembershipContainerType(res.contentType)) {
      throw new TransportError(
        "bad_response",
        `the platform's memberships service answered ${res.contentType}, not a membership container`,
        true,
        { status: res.status },
      );
    }
    try {
      return parseMembershipContainer(res.body.toString("utf8")).members;
    } catch (err) {
      if (!isLtiError(err)) throw err;
      throw new TransportError(
        "bad_response",
        `the platform's member list could not be read: ${err.message}`,
        true,
        {
          cause: err,
          status: res.status,
        },
      );
    }
  };

  return {
    kind: "nrps",
    async *pages(endpoint, signal) {
      let url = membershipsUrl(endpoint.contextMembershipsUrl, endpoint.rlid ? { rlid: endpoint.rlid } : {});
      let res = await get(endpoint, url, signal);
      if (endpoint.rlid && (res.status === 400 || res.status === 404)) {
        url = membershipsUrl(endpoint.contextMembershipsUrl);
        res = await get(endpoint, url, signal);
      }
      const seen = new Set<string>([url]);
      for (let n = 1; ; n++) {
        yield page(res)
          .filter((m) => m.status === "Active")
          .map(toRemote);
        const next = nextPageUrl(res.link, url);
        if (!next) return;
        if (seen.has(next) || n >= MAX_NRPS_PAGES) {
          throw new TransportError(
            "bad_response",
            `the platform's member list does not end (page ${n + 1} ${seen.has(next) ? "repeats an earlier page" : "is past the limit"})`,
            false,
          );
        }
        seen.add(next);
        url = next;
        res = await get(endpoint, url, signal);
      }
    },
  };
}
