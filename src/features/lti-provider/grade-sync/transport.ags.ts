// The AGS grade transport (LTI 1.3 Assignment and Grade Services 2.0; conformance cases 165–177, peers note
// §3 items 9, 13, 14, §4.3): a score goes to `{line item}/scores` with a service token. The line item is the
// launch claim's `lineitem`; without one it is found in the claim's `lineitems` container by the resource
// link (and Pluto's resource id), or created there when missing (that needs the `lineitem` scope). The
// protocol is src/lti/services-client/ags.ts; tokens come from ../service-token.ts.
//
// A line item found or created is remembered in this process per (container, resource link, resource), so
// the users of one link cost one lookup; after creating one the container is searched again, so nodes that
// created one each at the same time all send to the first the platform lists. The service (grade-sync.service.ts) gives each score a timestamp
// strictly later than the last one sent for the user, and sends a user's grade from one node at a time.
import { isLtiError } from "../../../lti/errors.js";
import {
  AGS_MEDIA_TYPE,
  buildLineItem,
  buildScore,
  type LineItem,
  lineItemSubUrl,
  lineItemsSearchUrl,
  parseLineItem,
  parseLineItemContainer,
} from "../../../lti/services-client/ags.js";
import { nextPageUrl } from "../../../lti/services-client/link-header.js";
import { AGS_CLAIM_ENDPOINT, AGS_SCOPE } from "../../../lti/vocab/claims.js";
import type { Fetch, OutboundResponse } from "../../../shared/outbound.js";
import type { AgsService } from "../launch/verified-launch.js";
import { answerExcerpt, type ServicePlatform, type ServiceTokens } from "../service-token.js";
import { outbound, TransportError } from "../transport-error.js";
import type { AgsEndpoint, GradeTransport } from "./transport.js";

export const AGS_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Container pages read at most when looking for a line item. */
const MAX_LINE_ITEM_PAGES = 50;
/** The scopes a grade send may use, of those the launch claim lists. */
const GRADE_SCOPES: readonly string[] = [AGS_SCOPE.score, AGS_SCOPE.lineItem, AGS_SCOPE.lineItemReadOnly];

/**
 * The AGS service a verified 1.3 launch offers (its endpoint claim, as the verifier read it) for the
 * launch's resource link: undefined when the claim gives no line item or container, or no `score` scope:
 * nothing can be sent. The launch stores it with the remote user (lti_provider_users.ags_endpoint).
 */
export function agsServiceOf(
  claim: { scope: readonly string[]; lineitem?: string; lineitems?: string } | undefined,
  resourceLinkId: string,
): AgsService | undefined {
  if (!claim || (!claim.lineitem && !claim.lineitems) || !claim.scope.includes(AGS_SCOPE.score))
    return undefined;
  return {
    kind: "ags",
    ...(claim.lineitem ? { lineItemUrl: claim.lineitem } : {}),
    ...(claim.lineitems ? { lineItemsUrl: claim.lineitems } : {}),
    scopes: claim.scope.filter((s) => GRADE_SCOPES.includes(s)),
    resourceLinkId,
  };
}

/**
 * One user's AGS endpoint: the stored service, the platform Pluto is registered with (read when sending),
 * the user's `sub`, and what Pluto grades (its resource id, and the label and maximum of a line item it
 * creates).
 */
export function agsEndpointOf(
  service: AgsService,
  of: { platform: ServicePlatform; userId: string; resourceId: string; label: string; scoreMaximum: number },
): AgsEndpoint {
  return {
    kind: "ags",
    platform: of.platform,
    scopes: [...service.scopes],
    ...(service.lineItemUrl ? { lineItemUrl: service.lineItemUrl } : {}),
    ...(service.lineItemsUrl ? { lineItemsUrl: service.lineItemsUrl } : {}),
    resourceLinkId: service.resourceLinkId,
    resourceId: of.resourceId,
    label: of.label,
    scoreMaximum: of.scoreMaximum,
    userId: of.userId,
  };
}

/**
 * The AGS endpoint of one user straight from an endpoint claim as a platform sends it (`…/lti-ags/claim/
 * endpoint`), for callers that hold no verified launch: agsServiceOf then agsEndpointOf.
 */
export function agsEndpointFrom(
  claim: unknown,
  launch: {
    platform: ServicePlatform;
    resourceLinkId: string;
    userId: string;
    resourceId: string;
    label: string;
    scoreMaximum?: number;
  },
): AgsEndpoint | undefined {
  if (claim === null || typeof claim !== "object" || Array.isArray(claim)) return undefined;
  const c = claim as Record<string, unknown>;
  const url = (v: unknown) => (typeof v === "string" && /^https?:\/\//i.test(v) ? v : undefined);
  const lineitem = url(c.lineitem);
  const lineitems = url(c.lineitems);
  const scope = Array.isArray(c.scope) ? c.scope.filter((s): s is string => typeof s === "string") : [];
  const service = agsServiceOf(
    { scope, ...(lineitem ? { lineitem } : {}), ...(lineitems ? { lineitems } : {}) },
    launch.resourceLinkId,
  );
  return service && agsEndpointOf(service, { scoreMaximum: 1, ...launch });
}

/** The claim name agsEndpointFrom reads, for the launch wiring. */
export const AGS_ENDPOINT_CLAIM = AGS_CLAIM_ENDPOINT;

/** Whether trying again later can help after the platform answered `status`. */
const passes = (status: number) => status >= 500 || status === 401 || [408, 409, 425, 429].includes(status);

function refused(what: string, res: OutboundResponse): TransportError {
  return new TransportError("refused", `${what}: ${answerExcerpt(res)}`, passes(res.status), {
    status: res.status,
  });
}

function unreadable(what: string, err: unknown, res: OutboundResponse): TransportError {
  if (!isLtiError(err)) throw err;
  return new TransportError("bad_response", `${what}: ${err.message}`, true, {
    cause: err,
    status: res.status,
  });
}

export function agsTransport(deps: {
  fetch: Fetch;
  tokens: ServiceTokens;
  /** Line items found or created, per (container, resource link, resource); default one per transport. */
  lineItems?: Map<string, Promise<string>>;
}): GradeTransport<"ags"> {
  const lineItems = deps.lineItems ?? new Map<string, Promise<string>>();

  const call = (
    endpoint: AgsEndpoint,
    scopes: readonly string[],
    url: string,
    init: { method: "GET" | "POST"; body?: string; contentType?: string; accept: string },
    signal: AbortSignal | undefined,
  ) =>
    outbound(() =>
      deps.tokens.authorized(
        endpoint.platform,
        scopes,
        (authorization) =>
          deps.fetch(url, {
            method: init.method,
            ...(init.body !== undefined ? { body: init.body } : {}),
            headers: {
              authorization,
              accept: init.accept,
              ...(init.contentType ? { "content-type": init.contentType } : {}),
            },
            timeoutMs: AGS_TIMEOUT_MS,
            maxBytes: MAX_RESPONSE_BYTES,
            acceptAnyStatus: true,
            signal,
          }),
        signal,
      ),
    );

  /** The line item of the endpoint's resource link in the container: found, else created. */
  async function findOrCreate(
    endpoint: AgsEndpoint,
    container: string,
    scopes: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const hit = await search(endpoint, container, scopes, signal);
    if (hit) return hit.id;
    if (!scopes.includes(AGS_SCOPE.lineItem)) {
      throw new TransportError(
        "refused",
        `the platform has no line item for resource link ${endpoint.resourceLinkId}, and Pluto may not create one (the launch did not grant the lineitem scope)`,
        false,
      );
    }
    const body = JSON.stringify(
      buildLineItem({
        label: endpoint.label,
        scoreMaximum: endpoint.scoreMaximum,
        resourceLinkId: endpoint.resourceLinkId,
        resourceId: endpoint.resourceId,
      }),
    );
    const res = await call(
      endpoint,
      scopes,
      container,
      { method: "POST", body, contentType: AGS_MEDIA_TYPE.lineItem, accept: AGS_MEDIA_TYPE.lineItem },
      signal,
    );
    if (res.status !== 200 && res.status !== 201)
      throw refused("the platform refused to create the line item", res);
    let created: string;
    try {
      created = parseLineItem(res.body.toString("utf8")).id;
    } catch (err) {
      throw unreadable("the platform's created line item could not be read", err, res);
    }
    // Another node may have created one for the link at the same time: every node takes the first the
    // platform lists, so the link's grades all go to one line item.
    return (await search(endpoint, container, scopes, signal))?.id ?? created;
  }

  /** The line item of the endpoint's resource link in the container (every page), preferring Pluto's resource id. */
  async function search(
    endpoint: AgsEndpoint,
    container: string,
    scopes: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<LineItem | undefined> {
    let url: string | undefined = lineItemsSearchUrl(container, { resourceLinkId: endpoint.resourceLinkId });
    const found: LineItem[] = [];
    for (let page = 0; url && page < MAX_LINE_ITEM_PAGES; page++) {
      const res = await call(
        endpoint,
        scopes,
        url,
        { method: "GET", accept: AGS_MEDIA_TYPE.lineItemContainer },
        signal,
      );
      if (res.status !== 200) throw refused("the platform refused the line items query", res);
      try {
        found.push(...parseLineItemContainer(res.body.toString("utf8")));
      } catch (err) {
        throw unreadable("the platform's line items could not be read", err, res);
      }
      url = nextPageUrl(res.link, url);
    }
    // The platform filters by resource link; a platform that ignores the filter still gives each item's own.
    const ofLink = found.filter((i) => i.resourceLinkId === endpoint.resourceLinkId);
    return ofLink.find((i) => i.resourceId === endpoint.resourceId) ?? ofLink[0];
  }

  function lineItemOf(
    endpoint: AgsEndpoint,
    scopes: readonly string[],
    signal: AbortSignal | undefined,
  ): { url: Promise<string>; forget(): void } {
    if (endpoint.lineItemUrl) return { url: Promise.resolve(endpoint.lineItemUrl), forget() {} };
    const container = endpoint.lineItemsUrl;
    if (!container) {
      const err = new TransportError(
        "refused",
        "the launch gave neither a line item nor a line items URL",
        false,
      );
      return { url: Promise.reject(err), forget() {} };
    }
    const key = JSON.stringify([container, endpoint.resourceLinkId, endpoint.resourceId]);
    let url = lineItems.get(key);
    if (!url) {
      url = findOrCreate(endpoint, container, scopes, signal);
      lineItems.set(key, url);
      const mine = url;
      mine.catch(() => {
        if (lineItems.get(key) === mine) lineItems.delete(key);
      });
    }
    const mine = url;
    return {
      url: mine,
      forget() {
        if (lineItems.get(key) === mine) lineItems.delete(key);
      },
    };
  }

  return {
    kind: "ags",
    async send(endpoint, score, signal) {
      const scopes = endpoint.scopes.filter((s) => GRADE_SCOPES.includes(s));
      if (!scopes.includes(AGS_SCOPE.score)) {
        throw new TransportError("refused", "the launch did not grant the AGS score scope", false);
      }
      let body: string;
      try {
        body = JSON.stringify(
          buildScore({
            userId: endpoint.userId,
            scoreGiven: score.scoreGiven,
            scoreMaximum: score.scoreMaximum,
            timestamp: score.timestamp,
          }),
        );
      } catch (err) {
        if (!isLtiError(err)) throw err;
        throw new TransportError("bad_response", `the score could not be built: ${err.message}`, false, {
          cause: err,
        });
      }
      const lineItem = lineItemOf(endpoint, scopes, signal);
      const url = lineItemSubUrl(await lineItem.url, "scores");
      const res = await call(
        endpoint,
        scopes,
        url,
        { method: "POST", body, contentType: AGS_MEDIA_TYPE.score, accept: "application/json" },
        signal,
      );
      if (res.status < 200 || res.status > 299) {
        // A line item that was found may have been deleted since: the next try looks again.
        if (res.status === 404) lineItem.forget();
        throw refused("the platform refused the score", res);
      }
      return { description: `HTTP ${res.status}` };
    },
  };
}
