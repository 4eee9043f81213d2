// What member sync needs from a protocol: the members of a consumer's context, page by page. The LTI 1.1
// memberships extension implements it (source.memberships-ext.ts, one page), and NRPS (LTI 1.3, paged by
// Link headers; source.nrps.ts). The service (member-sync.service.ts) keeps what is the same for
// every protocol: the sync modes, provisioning and enrolment. Endpoints are read from the stored resource
// link: its kind picks the source.
import type { KeyedResourceLink, Publication } from "../publications/publications.repository.js";
import type { ServicePlatform } from "../service-token.js";

/** Where a resource link's members are read, as the consumer gave it at launch. */
export type MembershipEndpoint = MembershipsExtEndpoint | NrpsEndpoint;

/** The LTI 1.1 memberships extension: ext_ims_lis_memberships_url and _id, signed with OAuth. */
export interface MembershipsExtEndpoint {
  kind: "memberships_ext";
  url: string;
  membershipsId: string;
  consumerKey: string;
  secret: string;
}

/** LTI 1.3 NRPS: the claim's context memberships URL, read with a service token; built by `nrpsEndpointFrom`. */
export interface NrpsEndpoint {
  kind: "nrps";
  /** The platform Pluto is registered with: token URL, client_id, authorization server. */
  platform: ServicePlatform;
  contextMembershipsUrl: string;
  /** The launch's resource link id: asked for first, the whole context when the platform refuses it. */
  rlid?: string;
}

export type MembershipEndpointKind = MembershipEndpoint["kind"];

/** One member of the consumer's context, as every protocol names them. */
export interface RemoteMember {
  /** The consumer's id for the user (LTI 1.1 user_id, LTI 1.3 sub). */
  userId: string;
  roles: string[];
  givenName?: string;
  familyName?: string;
  fullName?: string;
  email?: string;
  /** Basic Outcomes: the member's lis_result_sourcedid on this link, when the consumer takes grades. */
  resultSourcedId?: string;
}

export interface MembershipSource<K extends MembershipEndpointKind = MembershipEndpointKind> {
  readonly kind: K;
  /**
   * The members, a page at a time; throws TransportError when a page cannot be read. `signal` aborts
   * the reading (a task cut off when the process stops).
   */
  pages(
    endpoint: Extract<MembershipEndpoint, { kind: K }>,
    signal?: AbortSignal,
  ): AsyncIterable<readonly RemoteMember[]>;
}

/** One source per endpoint kind: a new kind without a source fails the type check. */
export type MembershipSources = { [K in MembershipEndpointKind]: MembershipSource<K> };

/**
 * The endpoint stored for a resource link, or undefined when the consumer gave none: the memberships
 * extension's URL and id (LTI 1.1), or the NRPS URL with the platform of the link's deployment (LTI 1.3;
 * undefined while that platform is not Active). `rlid` is the link's own id: asked for first.
 */
export async function membershipEndpointOf(
  pub: Publication,
  link: KeyedResourceLink,
  platformOf: (registrationId: number) => Promise<ServicePlatform | undefined>,
): Promise<MembershipEndpoint | undefined> {
  if (link.membershipsUrl && link.membershipsId)
    return {
      kind: "memberships_ext",
      url: link.membershipsUrl,
      membershipsId: link.membershipsId,
      consumerKey: link.consumerKey,
      secret: pub.secret,
    };
  if (!link.nrpsUrl || link.registrationId === null) return undefined;
  const platform = await platformOf(link.registrationId);
  if (!platform) return undefined;
  return { kind: "nrps", platform, contextMembershipsUrl: link.nrpsUrl, rlid: link.resourceLinkId };
}

/** Picks the source for an endpoint by its kind. */
export function sourceFor(sources: MembershipSources, endpoint: MembershipEndpoint): MembershipSource {
  // The source of `endpoint.kind` reads endpoints of that kind, which this one is.
  return sources[endpoint.kind] as MembershipSource;
}

/** Every page of a source, read to the end (a mode that unenrols needs the whole list). */
export async function readAllMembers(
  sources: MembershipSources,
  endpoint: MembershipEndpoint,
  signal?: AbortSignal,
): Promise<RemoteMember[]> {
  const all: RemoteMember[] = [];
  for await (const page of sourceFor(sources, endpoint).pages(endpoint, signal)) all.push(...page);
  return all;
}
