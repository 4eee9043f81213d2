// The LTI 1.1 edge of a launch into a published course or activity: the form fields the consumer
// posted, verified (OAuth 1.0a signature over the public launch URL and timestamp; the nonce goes to
// the store the launch's write records it in) and parsed into the version-neutral VerifiedLaunch.
// Everything after this file is the same for every LTI version.
import type { AppContext } from "../../../app/context.js";
import { ParameterError } from "../../../lti/errors.js";
import type { NonceStore } from "../../../lti/ports.js";
import { type Lti11Launch, parseLaunch } from "../../../lti/v1p1/launch.js";
import { verifyRequest } from "../../../lti/v1p1/oauth.js";
import type { Publication } from "../publications/publications.repository.js";
import { launchUrl } from "../publications/publications.service.js";
import type { KnownDeployment, LaunchRequest } from "./launch.service.js";
import { requireLtiVersion } from "./rejection.js";
import type { VerifiedLaunch } from "./verified-launch.js";

/** Form fields exactly as posted, in order. */
export type LaunchParams = Array<[string, string]>;

export const first = (params: LaunchParams, name: string) => params.find(([k]) => k === name)?.[1] ?? "";

/** A posted LTI 1.1 launch, for the launch service. */
export function v1p1LaunchRequest(uuid: string, params: LaunchParams): LaunchRequest {
  return {
    uuid,
    // Read before verifying, so the launch needs one query (launch.repository.ts); nothing is written
    // or trusted on these values until verify has passed.
    claimed: {
      consumerKey: first(params, "oauth_consumer_key"),
      remoteUserId: first(params, "user_id"),
      resourceLinkId: first(params, "resource_link_id"),
    },
    verify: (ctx, pub, nonceStore, deployment) => verifyV1p1Launch(ctx, pub, params, nonceStore, deployment),
  };
}

/**
 * The publication's version first (an LTI Advantage one takes no 1.1 launch), then authenticity
 * (signature and timestamp over the exact public URL and body), then the parameters.
 */
export async function verifyV1p1Launch(
  ctx: AppContext,
  pub: Publication,
  params: LaunchParams,
  nonceStore: NonceStore,
  deployment: KnownDeployment,
): Promise<VerifiedLaunch> {
  requireLtiVersion(pub, "1.1");
  await verifyRequest(
    { method: "POST", url: launchUrl(ctx, pub), params },
    { secret: pub.secret, clock: ctx.clock, nonceStore },
  );
  return fromLti11Launch(parseLaunch(params), pub.id, deployment);
}

/** The version-neutral value of a parsed LTI 1.1 launch; an anonymous launch (no user_id) is refused. */
export function fromLti11Launch(
  l: Lti11Launch,
  publicationId: number,
  deployment: KnownDeployment,
): VerifiedLaunch {
  if (!l.userId) throw new ParameterError("missing_parameter", "user_id");
  const v: VerifiedLaunch = {
    deployment: {
      id: deployment.id,
      owner: { publicationId, consumerKey: l.consumerKey },
      accountScope: deployment.accountScope,
    },
    userId: l.userId,
    roles: { instructor: l.isInstructor, learner: l.isLearner, raw: l.roles },
    person: {},
    resourceLink: { id: l.resourceLink.id },
    presentation: {},
    custom: l.custom,
  };
  const p = l.person;
  if (p.givenName !== undefined) v.person.givenName = p.givenName;
  if (p.familyName !== undefined) v.person.familyName = p.familyName;
  if (p.fullName !== undefined) v.person.fullName = p.fullName;
  if (p.email !== undefined) v.person.email = p.email;
  if (l.resourceLink.title !== undefined) v.resourceLink.title = l.resourceLink.title;
  if (l.context)
    v.context = { id: l.context.id, ...(l.context.title !== undefined ? { title: l.context.title } : {}) };
  if (l.presentation.returnUrl !== undefined) v.returnUrl = l.presentation.returnUrl;
  if (l.presentation.documentTarget !== undefined)
    v.presentation.documentTarget = l.presentation.documentTarget;
  if (l.presentation.locale !== undefined) v.presentation.locale = l.presentation.locale;
  if (l.outcome)
    v.gradeService = { kind: "basic-outcomes", url: l.outcome.serviceUrl, sourcedid: l.outcome.sourcedId };
  if (l.memberships)
    v.membershipService = { kind: "memberships-ext", url: l.memberships.url, id: l.memberships.id };
  return v;
}
