// Receiving a launch on a published course or activity: verify everything before any write, then
// provision the remote user (exactly once, even under simultaneous first launches), enrol them with
// the mapped role (capacity holds under parallel launches), record the resource link and outcome
// details, and say where to send the user. The request comes through its LTI version's adapter
// (v1p1.adapter.ts, v1p3.adapter.ts), which verifies it into a VerifiedLaunch; from there on nothing here
// knows the version.
//
// Performance: the launch reads everything it needs in one query (launch.repository.ts) and writes
// everything (deployment when new, nonce, account, enrolment, outcome details, launch log, and the
// caller's session) in ONE transaction, shared with other launches on SQLite (write-batch.ts). A
// returning user who is already enrolled with the role needs no enrolment write, so no lock on the
// instance row (PostgreSQL); an unchanged resource link is not rewritten (every launch from one
// consumer link would otherwise queue on that row), nor the user's outcome details.

import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import { isUniqueViolation } from "../../../db/errors.js";
import { writeBatcher } from "../../../db/write-batch.js";
import { OAuthError } from "../../../lti/errors.js";
import type { NonceStore } from "../../../lti/ports.js";
import { iso } from "../../../shared/clock.js";
import { enrolUser } from "../../enrolments/enrolments.service.js";
import { ensureDeployment } from "../../lti-common/deployments.service.js";
import { type LaunchLogEntry, writeLaunchLog } from "../../lti-common/launch-log.service.js";
import { dbNonceStore } from "../../lti-common/nonces.service.js";
import { findLti11User, insertUserLink } from "../accounts/accounts.repository.js";
import { provisionUser, refreshProfile } from "../accounts/provision.service.js";
import type * as repo from "../publications/publications.repository.js";
import { upsertProviderUser, upsertResourceLink } from "../publications/publications.repository.js";
import { findLaunchContext } from "./launch.repository.js";
import { type Plan, plan, providerUserServices, resourceLinkOf } from "./plan.js";
import { LaunchRejected, rejectionOf } from "./rejection.js";
import { type DeploymentOwner, isEmbedded, ownerKey, type VerifiedLaunch } from "./verified-launch.js";

export { LaunchRejected } from "./rejection.js";

/** What a request says it is before it is verified: read in the launch's one query, trusted for nothing. */
export interface ClaimedLaunch {
  /** The LTI 1.1 consumer key (a publication's deployments are found by it); LTI 1.3: the deployment_id. */
  consumerKey: string;
  /** LTI 1.3: the platform's registration and the deployment_id the id_token names (registered rows). */
  platformDeployment?: { registrationId: number; deploymentId: string };
  remoteUserId: string;
  resourceLinkId: string;
}

/** A launch request as its version's adapter presents it. */
export interface LaunchRequest {
  /** The publication's public identifier (the launch URL's). */
  uuid: string;
  claimed: ClaimedLaunch;
  /** Log a launch whose publication is not found too (LTI 1.3: the uuid comes from the launch itself). */
  logUnrouted?: boolean;
  /**
   * Checks the request against the publication and reads it: throws an LtiError (its code is the
   * refusal's reason) or returns the verified launch, naming `deployment` (its row and account
   * scope) when the claimed deployment exists. The nonce goes to `nonceStore`, which the launch's
   * write records.
   */
  verify(
    ctx: AppContext,
    pub: repo.Publication,
    nonceStore: NonceStore,
    deployment: KnownDeployment,
  ): Promise<VerifiedLaunch>;
}

/** The claimed deployment as the launch's read found it: both undefined when it is new. */
export interface KnownDeployment {
  id: number | undefined;
  accountScope: number | undefined;
}

export interface LaunchOutcome {
  userId: number;
  courseId: number;
  /** Where to send the user: the published course or activity. */
  target: string;
  embedded: boolean;
  returnUrl: string | undefined;
  publicationId: number;
  launch: VerifiedLaunch;
}

/** Runs inside the accepted launch's transaction (the route opens the session there). */
export type OnAccepted = (trx: Db, outcome: LaunchOutcome) => Promise<void>;

/**
 * The nonce check of verification, deferred into the launch's transaction: verification records
 * the nonce here, the transaction inserts it first, for the deployment, and refuses a replay
 * (nothing else is written).
 */
function deferredNonce() {
  let pending: { consumerKey: string; nonce: string; expiresAt: Date } | undefined;
  const store: NonceStore = {
    async seen(consumerKey, nonce, expiresAt) {
      pending = { consumerKey, nonce, expiresAt };
      return false;
    },
  };
  return {
    store,
    /** Records the nonce in `trx`; false when it was recorded before (a replay). */
    async record(trx: Db, deploymentId: number): Promise<boolean> {
      if (!pending) return true;
      return !(await dbNonceStore(trx, deploymentId).seen(
        pending.consumerKey,
        pending.nonce,
        pending.expiresAt,
      ));
    },
    /** The key that signed a request that passed verification (its nonce is then used). */
    get verifiedKey() {
      return pending?.consumerKey;
    },
  };
}

/** Handles one launch; every outcome, accepted or not, is written to the launch log. */
export async function handleLaunch(
  ctx: AppContext,
  req: LaunchRequest,
  onAccepted?: OnAccepted,
): Promise<LaunchOutcome> {
  const { consumerKey, remoteUserId, resourceLinkId, platformDeployment } = req.claimed;
  const claimedOwner = platformDeployment ?? { consumerKey };
  const c = await findLaunchContext(ctx.db, ctx.engine, req.uuid, claimedOwner, remoteUserId, resourceLinkId);
  if (!c) {
    const r = new LaunchRejected("unknown_tool", "There is no published tool at this address.");
    if (req.logUnrouted)
      await writeLaunchLog(ctx.db, ctx.clock.now(), {
        direction: "in",
        courseId: null,
        deploymentId: null,
        consumerKey,
        remoteUserId,
        userId: null,
        result: "rejected",
        reason: r.reason,
        message: r.message,
      });
    throw r;
  }
  const pub = c.publication;
  const log = (
    e: Pick<LaunchLogEntry, "userId" | "deploymentId" | "result" | "reason" | "message">,
  ): LaunchLogEntry => ({
    direction: "in",
    courseId: pub.courseId,
    publicationId: pub.id,
    activityId: pub.activityId,
    consumerKey,
    remoteUserId,
    ...e,
  });
  const nonce = deferredNonce();
  try {
    // 1. Authenticity and the launch's values (the adapter), then 2. the enrolment rules.
    let l = await req.verify(ctx, pub, nonce.store, {
      id: c.deploymentId,
      accountScope: c.accountScope,
    });
    let read = c;
    if (
      ownerKey(l.deployment.owner) !== consumerKey ||
      l.userId !== remoteUserId ||
      l.resourceLink.id !== resourceLinkId
    ) {
      // The verified values are not the ones read for (an adapter may normalise): read for them.
      read =
        (await findLaunchContext(
          ctx.db,
          ctx.engine,
          req.uuid,
          l.deployment.owner,
          l.userId,
          l.resourceLink.id,
        )) ?? c;
      l = {
        ...l,
        deployment: { ...l.deployment, id: read.deploymentId, accountScope: read.accountScope },
      };
    }
    // A platform that upgraded from 1.1 proves its 1.1 user (lti1p1): a 1.3 user not known yet keeps that account.
    const prior =
      read.user === undefined && l.lti1p1?.ok
        ? await findLti11User(ctx.db, pub.id, l.lti1p1.consumerKey, l.lti1p1.userId)
        : undefined;
    if (prior) read = { ...read, user: prior };
    if (l.lti1p1)
      ctx.log.info(
        l.lti1p1.ok
          ? {
              event: "lti1p1_migration",
              publicationId: pub.id,
              consumerKey: l.lti1p1.consumerKey,
              lti11UserId: l.lti1p1.userId,
              found: prior !== undefined,
            }
          : { event: "lti1p1_migration_refused", publicationId: pub.id, reason: l.lti1p1.reason },
        l.lti1p1.ok ? "LTI 1.1 migration claim verified" : `No LTI 1.1 migration: ${l.lti1p1.message}`,
      );
    const p = plan(ctx, read, l, prior !== undefined);
    return await withRetry(() =>
      writeBatcher(ctx.db, ctx.engine).run(async (trx) => {
        const now = iso(ctx.clock.now());
        const deploymentId = l.deployment.id ?? (await createDeployment(trx, l.deployment.owner, now));
        if (!(await nonce.record(trx, deploymentId)))
          throw new OAuthError("replayed_nonce", "oauth_nonce has already been used", { consumerKey });
        const out = await apply(trx, ctx, pub, p, deploymentId, now);
        await writeLaunchLog(
          trx,
          ctx.clock.now(),
          log({
            userId: out.userId,
            deploymentId,
            result: "ok",
            reason: "",
            message: `${l.roles.instructor ? "instructor" : "learner"}${migrationNote(l, prior !== undefined)}`,
          }),
        );
        await onAccepted?.(trx, out);
        // Last, so the instance row (locked for the capacity count on PostgreSQL) is held only to the commit.
        if (!p.enrolled)
          await enrolUser(
            trx,
            { clock: ctx.clock, engine: ctx.engine, timeZone: ctx.config.timezone },
            { instanceId: p.instance.id, userId: out.userId, role: p.role },
          );
        return out;
      }),
    );
  } catch (err) {
    const r = rejectionOf(err);
    ctx.log.info({ reason: r.reason, consumerKey, publicationId: pub.id }, "LTI launch rejected");
    await ctx.db.transaction().execute(async (trx) => {
      // A request that passed verification has used its nonce, whatever refused it afterwards; its
      // deployment is known to be genuine. An unverified one points at no deployment.
      const key = nonce.verifiedKey;
      let deploymentId: number | null = null;
      if (platformDeployment !== undefined) {
        // LTI 1.3: the deployment is a registered row (or none); the id_token's nonce is the login's.
        deploymentId = key === undefined ? null : (c.deploymentId ?? null);
        if (deploymentId !== null && r.reason !== "replayed_nonce") await nonce.record(trx, deploymentId);
      } else if (key !== undefined) {
        deploymentId =
          key === consumerKey && c.deploymentId !== undefined
            ? c.deploymentId
            : await ensureDeployment(trx, { publicationId: pub.id, consumerKey: key }, iso(ctx.clock.now()));
        if (r.reason !== "replayed_nonce") await nonce.record(trx, deploymentId);
      }
      await writeLaunchLog(
        trx,
        ctx.clock.now(),
        log({ userId: null, deploymentId, result: "rejected", reason: r.reason, message: r.message }),
      );
    });
    throw r;
  }
}

/**
 * The deployment of a first launch: an LTI 1.1 consumer key's is created for the publication; an LTI 1.3
 * one is registered by a site admin, and a launch naming another was refused by its verification.
 */
async function createDeployment(trx: Db, owner: DeploymentOwner, now: string): Promise<number> {
  if ("consumerKey" in owner) return ensureDeployment(trx, owner, now);
  throw new LaunchRejected("deployment_unknown", "This deployment is not registered for the platform.");
}

/** The account and outcome details of an accepted launch, in the caller's transaction. */
async function apply(
  trx: Db,
  ctx: AppContext,
  pub: repo.Publication,
  p: Plan,
  deploymentId: number,
  now: string,
): Promise<LaunchOutcome> {
  const { l } = p;
  const remote = {
    deploymentId,
    // A deployment created by this launch is its own scope.
    accountScope: l.deployment.accountScope ?? deploymentId,
    userId: l.userId,
    person: l.person,
  };
  let userId: number;
  if (p.known) {
    await refreshProfile(trx, ctx, p.known, remote);
    userId = p.known.id;
    if (p.linkKnown) await insertUserLink(trx, { deploymentId, remoteUserId: l.userId, userId, now });
  } else userId = await provisionUser(trx, ctx, pub, remote, true);
  if (p.writeProviderUser || !p.known)
    await upsertProviderUser(trx, {
      publicationId: pub.id,
      userId,
      deploymentId,
      remoteUserId: l.userId,
      ...providerUserServices(l),
      launchedAt: now,
      now,
    });
  if (p.writeLink) await upsertResourceLink(trx, { ...resourceLinkOf(pub, l), deploymentId, now });
  return {
    userId,
    courseId: pub.courseId,
    target: p.target,
    embedded: isEmbedded(l),
    returnUrl: l.returnUrl,
    publicationId: pub.id,
    launch: l,
  };
}

/** What the launch log adds about an lti1p1 claim: the LTI 1.1 account kept, or why none was. */
function migrationNote(l: VerifiedLaunch, kept: boolean): string {
  const m = l.lti1p1;
  if (!m) return "";
  if (!m.ok) return `; no LTI 1.1 migration: ${m.message}`;
  return kept
    ? `; LTI 1.1 account of ${m.consumerKey} / ${m.userId} kept`
    : `; LTI 1.1 migration verified, no LTI 1.1 account of ${m.consumerKey} / ${m.userId}`;
}

/** Retries a transaction that lost a race (unique key taken by a simultaneous launch, serialization failure). */
async function withRetry<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const retryable =
        isUniqueViolation(err) || code === "40001" || code === "40P01" || code === "SQLITE_BUSY";
      if (!retryable || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 5 * i));
    }
  }
}
