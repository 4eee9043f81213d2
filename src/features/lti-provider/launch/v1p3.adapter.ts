// The LTI 1.3 edge of a launch into a published course or activity (Pluto as an LTI Advantage tool):
// the platforms the login initiation and the launch accept (an Active platform of platforms/, by its
// issuer and client_id), Pluto's own launch URL, the publication a launch selects (custom parameter
// `id=<publication uuid>`, as Moodle names it, else an `id` in the target_link_uri), and the id_token
// verified by src/lti/v1p3/tool-launch-verify.ts into the version-neutral VerifiedLaunch. The nonce's
// single use goes to the store the launch's write records it in, so a refused launch writes nothing.

import { decodeJwt } from "jose";
import type { AppContext } from "../../../app/context.js";
import { isLtiError, JwtError, ParameterError, ToolLaunchError } from "../../../lti/errors.js";
import type { KeysetPort } from "../../../lti/ports.js";
import { checkLti1p1Claim } from "../../../lti/v1p3/lti1p1-migration.js";
import {
  launchSummary,
  type VerifiedToolLaunch,
  verifyToolLaunch,
} from "../../../lti/v1p3/tool-launch-verify.js";
import type { BrowserProof, LoginBinding, RegisteredPlatform } from "../../../lti/v1p3/tool-login.js";
import { LTI_CLAIM } from "../../../lti/vocab/claims.js";
import { LTI13_MESSAGE_TYPES } from "../../../lti/vocab/messages.js";
import { ACTIVITY_PARAMETER } from "../deep-linking/activity-target.js";
import { agsServiceOf } from "../grade-sync/transport.ags.js";
import { findLaunchPlatforms, type LaunchPlatform } from "../platforms/platforms.service.js";
import { toolDetails } from "../platforms/tool-endpoints.js";
import { findPublication } from "../publications/publications.repository.js";
import type { KnownDeployment, LaunchRequest } from "./launch.service.js";
import { platformKeyset } from "./platform-keysets.service.js";
import { LaunchRejected, requireLtiVersion } from "./rejection.js";
import { findPublicationOfHistory } from "./resource-links.repository.js";
import type { VerifiedLaunch } from "./verified-launch.js";

type Ctx = Pick<AppContext, "db" | "config" | "clock">;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function registered(p: LaunchPlatform): RegisteredPlatform {
  return {
    id: String(p.id),
    issuer: p.issuer,
    clientId: p.clientId,
    authEndpoint: p.authenticationRequestUrl,
    deploymentIds: p.deploymentIds,
  };
}

/** The Active registrations of an issuer (a Pending platform cannot launch). */
export async function platformsOfIssuer(ctx: Ctx, issuer: string): Promise<RegisteredPlatform[]> {
  return (await findLaunchPlatforms(ctx.db, { issuer })).map(registered);
}

/** The Active platform of a login binding (undefined when deleted or made Pending since). */
async function activePlatform(ctx: Ctx, id: string): Promise<LaunchPlatform | undefined> {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  return (await findLaunchPlatforms(ctx.db, { id: n }))[0];
}

/** Pluto's launch URL (the target link URI and redirect URI the platform is given). */
export function toolLaunchUrl(ctx: Pick<AppContext, "config">): string {
  return toolDetails(ctx.config.publicUrl).toolUrl;
}

/** Pluto's Deep Linking URL (the target link URI and redirect URI of a Deep Linking request). */
export function toolDeepLinkingUrl(ctx: Pick<AppContext, "config">): string {
  return toolDetails(ctx.config.publicUrl).deepLinkingUrl;
}

/**
 * Case 84/101: the URL is Pluto's launch URL or its Deep Linking URL, with or without a query
 * (`?id=<publication uuid>`).
 */
export function isOwnLaunchUrl(ctx: Pick<AppContext, "config">, url: string): boolean {
  try {
    const u = new URL(url);
    return [toolLaunchUrl(ctx), toolDeepLinkingUrl(ctx)].some((o) => {
      const own = new URL(o);
      return u.origin === own.origin && u.pathname === own.pathname && u.hash === "";
    });
  } catch {
    return false;
  }
}

/** The redirect URI for a login: the Deep Linking URL when the login targets it, else the launch URL. */
export function redirectUriFor(ctx: Pick<AppContext, "config">, targetLinkUri: unknown): string {
  try {
    if (typeof targetLinkUri === "string" && isOwnLaunchUrl(ctx, targetLinkUri)) {
      const dl = new URL(toolDeepLinkingUrl(ctx));
      if (new URL(targetLinkUri).pathname === dl.pathname) return toolDeepLinkingUrl(ctx);
    }
  } catch {
    // Not a URL: the login refuses it.
  }
  return toolLaunchUrl(ctx);
}

/** The publication a launch selects: custom `id`, else the target_link_uri's `id` query parameter. */
export function selectedPublication(custom: Record<string, unknown>, targetLinkUri: unknown): string {
  const id = custom.id;
  if (typeof id === "string" && UUID.test(id.trim())) return id.trim().toLowerCase();
  if (typeof targetLinkUri === "string") {
    try {
      const fromUrl = new URL(targetLinkUri).searchParams.get("id");
      if (fromUrl !== null && UUID.test(fromUrl)) return fromUrl.toLowerCase();
    } catch {
      // Not a URL: verification refuses it.
    }
  }
  return "";
}

/**
 * The custom parameters that carry a platform's id histories (LTI Core §5.4.6 substitution variables), as
 * its admin configures them: `resource_link_id_history=$ResourceLink.id.history` and
 * `context_id_history=$Context.id.history`. Comma-separated, most recent first.
 */
export const HISTORY_PARAMETERS = {
  resourceLinkIds: "resource_link_id_history",
  contextIds: "context_id_history",
} as const;

function historyOf(custom: Record<string, unknown>, name: string): string[] {
  const v = custom[name];
  // An unsubstituted "$ResourceLink.id.history" (the platform does not know it) names nothing.
  if (typeof v !== "string" || v.startsWith("$")) return [];
  return v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "" && x.length <= 255)
    .slice(0, 20);
}

/**
 * The publication a copied link's original was launched into, by the ids in its history custom parameters
 * (within this platform deployment's resource links); "" when none is known.
 */
export async function publicationOfHistory(
  ctx: Ctx,
  custom: Record<string, unknown>,
  deployment: { registrationId: number; deploymentId: string },
): Promise<string> {
  const history = {
    resourceLinkIds: historyOf(custom, HISTORY_PARAMETERS.resourceLinkIds),
    contextIds: historyOf(custom, HISTORY_PARAMETERS.contextIds),
  };
  if (history.resourceLinkIds.length === 0 && history.contextIds.length === 0) return "";
  const id = await findPublicationOfHistory(ctx.db, deployment, history);
  if (id === undefined) return "";
  return (await findPublication(ctx.db, id))?.uuid ?? "";
}

/** What an id_token says before it is verified: read for the launch's one query, trusted for nothing. */
export interface PeekedLaunch {
  uuid: string;
  /** The message_type claim as sent ("" when absent): which handler the post goes to. */
  messageType: string;
  custom: Record<string, unknown>;
  deploymentId: string;
  sub: string;
  resourceLinkId: string;
}

const str = (v: unknown) => (typeof v === "string" ? v.slice(0, 255) : "");

/**
 * Reads an id_token's claims unverified; an id_token that is not a JWT is refused (`jwt_malformed`), a
 * platform's posted `error` is its refusal (`launch_platform_error`).
 */
export function peekToolLaunch(form: Readonly<Record<string, unknown>>): PeekedLaunch {
  // Case 125: the platform posted its refusal instead of an id_token.
  if (typeof form.error === "string" && form.error !== "") {
    const description = typeof form.error_description === "string" ? form.error_description : undefined;
    throw new ToolLaunchError(
      "launch_platform_error",
      `The platform refused the launch: ${form.error.slice(0, 100)}`,
      {
        error: form.error.slice(0, 200),
        ...(description === undefined ? {} : { errorDescription: description.slice(0, 500) }),
      },
    );
  }
  const token = form.id_token;
  if (typeof token !== "string" || token === "") throw new ParameterError("missing_parameter", "id_token");
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new JwtError("jwt_malformed", "The id_token is not a JWT");
  }
  const c = claims[LTI_CLAIM.custom];
  const custom = c !== null && typeof c === "object" ? (c as Record<string, unknown>) : {};
  const link = claims[LTI_CLAIM.resourceLink];
  return {
    uuid: selectedPublication(custom, claims[LTI_CLAIM.targetLinkUri]),
    messageType: str(claims[LTI_CLAIM.messageType]),
    custom,
    deploymentId: str(claims[LTI_CLAIM.deploymentId]),
    sub: str(claims.sub),
    resourceLinkId:
      link !== null && typeof link === "object" ? str((link as Record<string, unknown>).id) : "",
  };
}

/** The platform's keys; a key set that cannot be fetched is the launch's `jwt_keyset_unavailable`. */
function keysOf(ctx: Ctx, jwksUrl: string): KeysetPort {
  const keys = platformKeyset(ctx, jwksUrl);
  const guard = async <T>(f: () => Promise<T>) => {
    try {
      return await f();
    } catch (e) {
      if (isLtiError(e)) throw e;
      throw new JwtError("jwt_keyset_unavailable", "The platform's key set could not be read", {
        reason: e instanceof Error ? e.message.slice(0, 200) : "fetch failed",
      });
    }
  };
  return { current: () => guard(() => keys.current()), refetch: () => guard(() => keys.refetch()) };
}

/**
 * A posted LTI 1.3 launch, for the launch service: `binding` is the login stored under the posted state,
 * `browser` what the browser showed (its state cookie or its Platform Storage values).
 */
export function v1p3LaunchRequest(
  ctx: Ctx,
  form: Readonly<Record<string, unknown>>,
  peek: PeekedLaunch,
  binding: LoginBinding | undefined,
  browser: BrowserProof,
): LaunchRequest {
  const registrationId = binding === undefined ? 0 : Number(binding.platformId);
  return {
    uuid: peek.uuid,
    logUnrouted: true,
    claimed: {
      consumerKey: peek.deploymentId,
      remoteUserId: peek.sub,
      resourceLinkId: peek.resourceLinkId,
      platformDeployment: { registrationId, deploymentId: peek.deploymentId },
    },
    verify: async (_ctx, pub, nonceStore, deployment) => {
      requireLtiVersion(pub, "1.3");
      const platforms = new Map<string, LaunchPlatform>();
      const launch = await verifyToolLaunch(form, {
        binding,
        browser,
        findPlatform: async (id) => {
          const p = await activePlatform(ctx, id);
          if (p === undefined) return undefined;
          platforms.set(id, p);
          return registered(p);
        },
        keysFor: (p) => keysOf(ctx, platforms.get(p.id)?.publicKeysetUrl ?? ""),
        consumeNonce: async (nonce, expiresAt) =>
          !(await nonceStore.seen(peek.deploymentId, nonce, expiresAt)),
        isOwnLaunchUrl: (url) => isOwnLaunchUrl(ctx, url),
        clock: ctx.clock,
      });
      const selected =
        selectedPublication(launch.custom, launch.targetLinkUri) ||
        (await publicationOfHistory(ctx, launch.custom, {
          registrationId,
          deploymentId: launch.deploymentId,
        }));
      if (selected !== pub.uuid)
        throw new LaunchRejected("unknown_tool", "There is no published tool at this address.");
      if (launch.messageType !== LTI13_MESSAGE_TYPES.resourceLink)
        throw new LaunchRejected(
          "unsupported_message_type",
          "Only resource link launches are accepted at this address.",
        );
      const v = fromToolLaunch(launch, registrationId, deployment);
      if (launch.lti1p1 !== undefined) {
        const { exp, nonce } = launch.claims;
        // A 1.1 publication takes any consumer key with its secret: the key is the claim's, the secret this one's.
        v.lti1p1 = checkLti1p1Claim(launch.lti1p1, () => pub.secret, {
          issuer: launch.platform.issuer,
          clientId: launch.platform.clientId,
          deploymentId: launch.deploymentId,
          exp: typeof exp === "number" ? exp : 0,
          nonce: typeof nonce === "string" ? nonce : "",
          sub: v.userId,
        });
      }
      return v;
    },
  };
}

/**
 * A posted LTI 1.3 Deep Linking request (deep-linking/), verified as a launch is: the login's state and
 * browser proof, the platform's keys, the claims. `consumeNonce` is its one write, run last.
 */
export async function verifyDeepLinkingRequest(
  ctx: Ctx,
  form: Readonly<Record<string, unknown>>,
  binding: LoginBinding | undefined,
  browser: BrowserProof,
  consumeNonce: (nonce: string, expiresAt: Date) => Promise<boolean>,
): Promise<{ launch: VerifiedToolLaunch; platform: LaunchPlatform }> {
  let platform: LaunchPlatform | undefined;
  const launch = await verifyToolLaunch(form, {
    binding,
    browser,
    findPlatform: async (id) => {
      platform = await activePlatform(ctx, id);
      return platform === undefined ? undefined : registered(platform);
    },
    keysFor: () => keysOf(ctx, platform?.publicKeysetUrl ?? ""),
    consumeNonce,
    isOwnLaunchUrl: (url) => isOwnLaunchUrl(ctx, url),
    clock: ctx.clock,
  });
  if (launch.messageType !== LTI13_MESSAGE_TYPES.deepLinkingRequest || platform === undefined)
    throw new LaunchRejected("unsupported_message_type", "Only Deep Linking requests are accepted here.");
  return { launch, platform };
}

/** The version-neutral value of a verified LTI 1.3 launch. */
export function fromToolLaunch(
  launch: VerifiedToolLaunch,
  registrationId: number,
  deployment: KnownDeployment,
): VerifiedLaunch {
  const s = launchSummary(launch);
  if (s.userId === undefined) throw new ParameterError("missing_parameter", "sub");
  if (s.resourceLink === undefined) throw new ParameterError("missing_parameter", "resource_link");
  const v: VerifiedLaunch = {
    deployment: {
      id: deployment.id,
      owner: { registrationId, deploymentId: launch.deploymentId },
      accountScope: deployment.accountScope,
    },
    userId: s.userId,
    roles: s.roles,
    person: s.person,
    resourceLink: s.resourceLink,
    presentation: s.presentation,
    custom: s.custom,
  };
  if (s.context !== undefined) v.context = s.context;
  if (s.returnUrl !== undefined) v.returnUrl = s.returnUrl;
  // The services the platform offers: kept with the user (AGS) and the resource link (NRPS), like 1.1's.
  const grades = agsServiceOf(launch.ags, s.resourceLink.id);
  // A Deep Linking item names its activity (the launch is refused, and nothing kept, when it is not the course's).
  const activity = /^\d{1,15}$/.test(s.custom[ACTIVITY_PARAMETER]?.trim() ?? "")
    ? Number(s.custom[ACTIVITY_PARAMETER]?.trim())
    : undefined;
  if (grades !== undefined)
    v.gradeService = activity !== undefined && activity > 0 ? { ...grades, activityId: activity } : grades;
  if (launch.nrps !== undefined)
    v.membershipService = { kind: "nrps", contextMembershipsUrl: launch.nrps.contextMembershipsUrl };
  return v;
}
