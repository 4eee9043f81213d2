// The verified launch: what a launch into a published course or activity says once its version's
// adapter has checked it (LTI 1.1: OAuth signature and form fields, v1p1.adapter.ts; LTI 1.3:
// OIDC login and id_token, v1p3.adapter.ts). Provisioning, enrolment, resource-link recording and the hand-off
// work on this value only and never see the version.
//
// It lives in the feature, not in src/lti/: it names a deployment (a row of Pluto's) and carries
// what Pluto does with a launch (its role classification, its service endpoints in one shape per
// kind). The protocol's own values (Lti11Launch, the 1.3 claims) stay in src/lti/.
import type { DocumentTarget } from "../../../lti/vocab/messages.js";

export type DeploymentOwner =
  | { publicationId: number; consumerKey: string }
  | { registrationId: number; deploymentId: string };

/** The key a launch's read and log name the deployment by: the consumer key, or the deployment_id. */
export function ownerKey(o: DeploymentOwner): string {
  return "consumerKey" in o ? o.consumerKey : o.deploymentId;
}

/** The remote party a launch came from, as far as the launch knows it. */
export interface LaunchDeployment {
  /** Its row; undefined on the first launch from a new party (the launch's write creates it). */
  id: number | undefined;
  /**
   * What finds or creates it: for LTI 1.1, the consumer key signing for the publication; for LTI 1.3,
   * the platform's registration and its deployment_id (registered by a site admin, never created here).
   */
  owner: DeploymentOwner;
  /**
   * Where the remote user's account is looked for and named: the deployment itself, or the group
   * of deployments a site admin declared to be one consumer (its first deployment's id). Never the
   * consumer key alone: any launch that verifies with a publication's secret may name any key.
   * Undefined with `id` (a new deployment is its own scope).
   */
  accountScope: number | undefined;
}

/** LTI 1.1 Basic Outcomes: the outcome service URL and the user's lis_result_sourcedid. */
export type BasicOutcomesService = { kind: "basic-outcomes"; url: string; sourcedid: string };

/**
 * LTI 1.3 AGS, as the launch's endpoint claim gives it: the link's line item and/or the container to
 * find or create it in, and the scopes granted. The platform's token URL and client_id are the
 * registration's (read when a grade is sent), the user is the launch's `sub`.
 */
export interface AgsService {
  kind: "ags";
  lineItemUrl?: string;
  lineItemsUrl?: string;
  scopes: string[];
  /** The resource link the claim came with (a line item is looked for by it). */
  resourceLinkId: string;
  /**
   * The activity the link names (custom `activity`, a Deep Linking item of a published course): its grade
   * goes to the link's line item instead of the course total.
   */
  activityId?: number;
}

export type GradeService = BasicOutcomesService | AgsService;

/** LTI 1.1: the memberships extension's URL and id. */
export type MembershipsExtService = { kind: "memberships-ext"; url: string; id: string };

/** LTI 1.3 NRPS: the claim's context_memberships_url (the resource link is the launch's). */
export type NrpsService = { kind: "nrps"; contextMembershipsUrl: string };

export type MembershipService = MembershipsExtService | NrpsService;

/** The stored form of an AGS service (lti_provider_users.ags_endpoint): stable JSON, compared as text. */
export function agsServiceJson(s: AgsService): string {
  return JSON.stringify({
    lineItemUrl: s.lineItemUrl,
    lineItemsUrl: s.lineItemsUrl,
    scopes: [...s.scopes].sort(),
    resourceLinkId: s.resourceLinkId,
    activityId: s.activityId,
  });
}

/** The stored AGS service, or undefined when there is none or it is not one (a row is input too). */
export function readAgsService(json: string | null): AgsService | undefined {
  if (json === null || json === "") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === "string" && x !== "" ? x : undefined);
  const lineItemUrl = str(o.lineItemUrl);
  const lineItemsUrl = str(o.lineItemsUrl);
  const resourceLinkId = str(o.resourceLinkId);
  if ((!lineItemUrl && !lineItemsUrl) || resourceLinkId === undefined || !Array.isArray(o.scopes))
    return undefined;
  return {
    kind: "ags",
    ...(lineItemUrl ? { lineItemUrl } : {}),
    ...(lineItemsUrl ? { lineItemsUrl } : {}),
    scopes: o.scopes.filter((x): x is string => typeof x === "string"),
    resourceLinkId,
    ...(typeof o.activityId === "number" && Number.isSafeInteger(o.activityId) && o.activityId > 0
      ? { activityId: o.activityId }
      : {}),
  };
}

export interface RemotePerson {
  givenName?: string;
  familyName?: string;
  fullName?: string;
  email?: string;
}

export interface VerifiedLaunch {
  deployment: LaunchDeployment;
  /** The remote user's id at the platform (LTI 1.1 user_id, LTI 1.3 sub). */
  userId: string;
  /** Roles in the context: what Pluto maps (instructor, learner), and the values as sent. */
  roles: { instructor: boolean; learner: boolean; raw: string[] };
  person: RemotePerson;
  resourceLink: { id: string; title?: string };
  context?: { id: string; title?: string };
  /** Where the platform takes the user back to. */
  returnUrl?: string;
  gradeService?: GradeService;
  membershipService?: MembershipService;
  presentation: { documentTarget?: DocumentTarget; locale?: string };
  /** Custom parameters, by name without any prefix. */
  custom: Record<string, string>;
  /**
   * LTI 1.3 launches with the lti1p1 claim (a platform that upgraded from 1.1): the LTI 1.1 consumer key and
   * user the claim proved with the publication's 1.1 secret — the launch keeps that user's account,
   * enrolment and grade link — or why it proved none (the launch goes on as a new 1.3 user).
   */
  lti1p1?: { ok: true; consumerKey: string; userId: string } | { ok: false; reason: string; message: string };
}

/** Whether the launch asks to be shown inside the platform's page (without the site's chrome). */
export function isEmbedded(l: Pick<VerifiedLaunch, "presentation" | "custom">): boolean {
  const t = l.presentation.documentTarget;
  return t === "iframe" || t === "frame" || t === "embed" || l.custom.force_embed === "1";
}
