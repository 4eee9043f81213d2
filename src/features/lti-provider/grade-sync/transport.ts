// What grade sync needs from a protocol: send one score for one remote user to the endpoint the consumer
// gave at launch. Basic Outcomes (LTI 1.1 replaceResult) implements it today
// (transport.basic-outcomes.ts), AGS scores (LTI 1.3) another (transport.ags.ts). The service
// (grade-sync.service.ts) keeps what is the same for every protocol: leases, the last grade sent,
// completion gating and retries; a transport only turns a score into a request and its answer into an
// outcome. Endpoints are read from the stored row: its kind picks the transport.

import { readAgsService } from "../launch/verified-launch.js";
import type { ClaimedGradeUser, Publication } from "../publications/publications.repository.js";
import type { ServicePlatform } from "../service-token.js";
import { agsEndpointOf } from "./transport.ags.js";

/** Where one remote user's grades go, as the consumer gave it at launch. */
export type GradeEndpoint = BasicOutcomesEndpoint | AgsEndpoint;

/** LTI 1.1 Basic Outcomes: the outcome service URL, the user's lis_result_sourcedid, signed with OAuth. */
export interface BasicOutcomesEndpoint {
  kind: "basic_outcomes";
  serviceUrl: string;
  sourcedId: string;
  consumerKey: string;
  secret: string;
}

/**
 * LTI 1.3 AGS: a user's scores go to a line item of the platform, with a service token. Built from a
 * stored AGS service by `agsEndpointOf` (transport.ags.ts).
 */
export interface AgsEndpoint {
  kind: "ags";
  /** The platform Pluto is registered with: token URL, client_id, authorization server. */
  platform: ServicePlatform;
  /** The AGS scopes the launch claim grants (of score, lineitem, lineitem.readonly). */
  scopes: string[];
  /** The claim's `lineitem`: the one line item of the link, when the platform gave it. */
  lineItemUrl?: string;
  /** The claim's `lineitems`: the container to find or create the line item in. */
  lineItemsUrl?: string;
  resourceLinkId: string;
  /** Pluto's id of what is graded: set on a line item Pluto creates, preferred when several match. */
  resourceId: string;
  /** The label of a line item Pluto creates. */
  label: string;
  /** The maximum of a line item Pluto creates: that of what Pluto grades (scores are sent on its scale). */
  scoreMaximum: number;
  /** The platform's id of the user (the launch's `sub`). */
  userId: string;
}

export type GradeEndpointKind = GradeEndpoint["kind"];

/** One score for one user, in the terms of AGS (Basic Outcomes sends scoreGiven / scoreMaximum). */
export interface Score {
  scoreGiven: number;
  scoreMaximum: number;
  /** When the grade was read (ISO 8601). */
  timestamp: string;
  /** Unique per send, for the consumer's logs (Basic Outcomes: imsx_messageIdentifier). */
  reference: string;
}

/** What the consumer said when it took the score. */
export interface GradeReceipt {
  description: string;
}

export interface GradeTransport<K extends GradeEndpointKind = GradeEndpointKind> {
  readonly kind: K;
  /**
   * Resolves when the consumer took the score; throws TransportError otherwise. `signal` aborts the
   * request (a task cut off when the process stops).
   */
  send(
    endpoint: Extract<GradeEndpoint, { kind: K }>,
    score: Score,
    signal?: AbortSignal,
  ): Promise<GradeReceipt>;
}

/** One transport per endpoint kind: a new kind without a transport fails the type check. */
export type GradeTransports = { [K in GradeEndpointKind]: GradeTransport<K> };

/** What Pluto grades for a publication, as an AGS line item Pluto creates names it. */
export interface GradedThing {
  /** Pluto's id of it (`resourceId`): `pluto:course:<id>` or `pluto:activity:<id>`. */
  resourceId: string;
  label: string;
  maxGrade: number;
}

/** The platforms of LTI 1.3 users' deployments, by registration id (platforms.service findServicePlatform). */
export type ServicePlatformLookup = (registrationId: number) => Promise<ServicePlatform | undefined>;

/**
 * The endpoint stored for a claimed user, or undefined when the consumer gave none (nothing to send):
 * Basic Outcomes from the outcome URL and sourcedid, AGS from the stored service and the user's platform
 * (undefined while that platform is not Active: nothing can be sent until it is).
 */
export async function gradeEndpointOf(
  pub: Publication,
  pu: ClaimedGradeUser,
  graded: GradedThing,
  platformOf: ServicePlatformLookup,
): Promise<GradeEndpoint | undefined> {
  // Basic Outcomes is signed with the user's 1.1 consumer key: a user whose deployment is a 1.3 one has none.
  if (pu.outcomeUrl && pu.sourcedid && pu.consumerKey !== "")
    return {
      kind: "basic_outcomes",
      serviceUrl: pu.outcomeUrl,
      sourcedId: pu.sourcedid,
      consumerKey: pu.consumerKey,
      secret: pub.secret,
    };
  const service = readAgsService(pu.agsEndpoint);
  if (!service || pu.registrationId === null) return undefined;
  const platform = await platformOf(pu.registrationId);
  if (!platform) return undefined;
  return agsEndpointOf(service, {
    platform,
    userId: pu.remoteUserId,
    resourceId: graded.resourceId,
    label: graded.label,
    scoreMaximum: graded.maxGrade,
  });
}

/** Picks the transport for an endpoint by its kind. */
export function transportFor(transports: GradeTransports, endpoint: GradeEndpoint): GradeTransport {
  // The transport of `endpoint.kind` takes endpoints of that kind, which this one is.
  return transports[endpoint.kind] as GradeTransport;
}
