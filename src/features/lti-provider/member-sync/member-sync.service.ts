// Member sync: read each resource link's members from the consumer, through the source of the endpoint
// it gave at launch (source.ts; today the LTI 1.1 memberships extension), and apply the
// publication's mode — enrol new users (created with the instance's defaults and mapped roles),
// unenrol users no longer listed, or both.
import type { AppContext } from "../../../app/context.js";
import { isInstructorRole } from "../../../lti/vocab/roles.js";
import { iso } from "../../../shared/clock.js";
import { enrolUser, getInstance, unenrolUser } from "../../enrolments/enrolments.service.js";
import { provisionUser } from "../accounts/provision.service.js";
import { servicePlatforms } from "../platforms/platforms.service.js";
import * as repo from "../publications/publications.repository.js";
import { type MembershipSources, membershipEndpointOf, type RemoteMember, readAllMembers } from "./source.js";

export interface MemberSyncTotals {
  links: number;
  /** links whose member list could not be read */
  unreachable: number;
  enrolled: number;
  unenrolled: number;
  failed: number;
  firstError?: string;
}

/** Applies one resource link's member list according to the publication's mode. */
export async function applyMembers(
  ctx: AppContext,
  pub: repo.Publication,
  link: repo.KeyedResourceLink,
  members: readonly RemoteMember[],
  totals: MemberSyncTotals,
): Promise<void> {
  const instance = await getInstance(ctx.db, pub.instanceId);
  const mode = pub.memberSyncMode;
  const now = iso(ctx.clock.now());
  if (mode === "enrol_and_unenrol" || mode === "enrol_new") {
    for (const m of members) {
      try {
        await ctx.db.transaction().execute(async (trx) => {
          const person = {
            givenName: m.givenName,
            familyName: m.familyName,
            fullName: m.fullName,
            email: m.email,
          };
          const userId = await provisionUser(trx, ctx, pub, {
            deploymentId: link.deploymentId,
            accountScope: link.accountScope,
            userId: m.userId,
            person,
          });
          const role = isInstructorRole(m.roles) ? pub.roleInstructor : pub.roleLearner;
          const { created } = await enrolUser(
            trx,
            { clock: ctx.clock, engine: ctx.engine, timeZone: ctx.config.timezone },
            { instanceId: instance.id, userId, role },
          );
          await repo.upsertProviderUser(trx, {
            publicationId: pub.id,
            userId,
            deploymentId: link.deploymentId,
            remoteUserId: m.userId,
            outcomeUrl: m.resultSourcedId && link.outcomeUrl ? link.outcomeUrl : null,
            sourcedid: m.resultSourcedId && link.outcomeUrl ? m.resultSourcedId : null,
            agsEndpoint: null,
            launchedAt: null,
            now,
          });
          if (created) totals.enrolled++;
        });
      } catch (err) {
        totals.failed++;
        totals.firstError ??= `${m.userId}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
  if (mode === "enrol_and_unenrol" || mode === "unenrol_missing") {
    const listed = new Set(members.map((m) => m.userId));
    for (const pu of await repo.listProviderUsers(ctx.db, pub.id, { deploymentId: link.deploymentId })) {
      if (listed.has(pu.remoteUserId)) continue;
      await ctx.db.transaction().execute(async (trx) => {
        if (await unenrolUser(trx, { instanceId: instance.id, userId: pu.userId }, ctx.clock))
          totals.unenrolled++;
        await repo.deleteProviderUser(trx, pub.id, pu.userId);
      });
    }
  }
  await repo.markMemberSync(ctx.db, link.id, now);
}

/** The scheduled task: every enabled publication with member sync "Yes", every resource link with a memberships URL. */
/** `signal` (the process is stopping) ends the run: it throws the signal's reason, links not reached wait for the next run. */
export async function syncAllMembers(
  ctx: AppContext,
  sources: MembershipSources,
  signal?: AbortSignal,
): Promise<MemberSyncTotals> {
  const totals: MemberSyncTotals = { links: 0, unreachable: 0, enrolled: 0, unenrolled: 0, failed: 0 };
  const platformOf = servicePlatforms(ctx.db);
  for (const pub of await repo.listPublications(ctx.db, { memberSync: true })) {
    const instance = await getInstance(ctx.db, pub.instanceId);
    if (instance.status !== "enabled") continue;
    for (const link of await repo.listResourceLinks(ctx.db, pub.id)) {
      if (!(link.membershipsUrl && link.membershipsId) && !link.nrpsUrl) continue;
      signal?.throwIfAborted();
      totals.links++;
      try {
        const endpoint = await membershipEndpointOf(pub, link, platformOf);
        if (!endpoint) throw new Error(`resource link ${link.resourceLinkId}: its platform is not Active`);
        const members = await readAllMembers(sources, endpoint, signal);
        await applyMembers(ctx, pub, link, members, totals);
        ctx.log.info(
          {
            event: "lti_members_read",
            publicationId: pub.id,
            resourceLinkId: link.resourceLinkId,
            kind: endpoint.kind,
            members: members.length,
          },
          "LTI members read",
        );
      } catch (err) {
        signal?.throwIfAborted();
        totals.unreachable++;
        const message = err instanceof Error ? err.message : String(err);
        totals.firstError ??= message;
        ctx.log.warn(
          {
            event: "lti_members_unreadable",
            publicationId: pub.id,
            resourceLinkId: link.resourceLinkId,
            reason: message.slice(0, 300),
          },
          "LTI members not read",
        );
      }
    }
  }
  return totals;
}
