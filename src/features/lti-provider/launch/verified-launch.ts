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

/** Basic Outcomes today; AGS (line items, scores) joins as another kind. */
export type GradeService = { kind: "basic-outcomes"; url: string; sourcedid: string };

/** The LTI 1.1 memberships extension today; NRPS joins as another kind. */
export type MembershipService = { kind: "memberships-ext"; url: string; id: string };

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
}

/** Whether the launch asks to be shown inside the platform's page (without the site's chrome). */
export function isEmbedded(l: Pick<VerifiedLaunch, "presentation" | "custom">): boolean {
  const t = l.presentation.documentTarget;
  return t === "iframe" || t === "frame" || t === "embed" || l.custom.force_embed === "1";
}
