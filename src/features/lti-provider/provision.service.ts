// The local account of a remote LTI user: found by (consumer key, user_id), created once with the
// publication's user default values (auth "lti"), names and email refreshed from lis_person_* on
// later launches and member syncs.
import { createHash } from "node:crypto";
import type { AppContext } from "../../http/context.js";
import type { Lti11Launch } from "../../lti/v1p1/launch.js";
import { iso } from "../../shared/clock.js";
import * as repo from "./provider.repository.js";

type Person = Pick<Lti11Launch, "consumerKey" | "userId" | "person">;

/** A stable, opaque username per (consumer key, remote user id); collisions between launches are the point. */
export function ltiUsername(consumerKey: string, remoteUserId: string): string {
  return `lti_${createHash("sha256").update(`${consumerKey}\n${remoteUserId}`).digest("hex").slice(0, 32)}`;
}

function personNames(p: Lti11Launch["person"], remoteId: string): { firstname: string; lastname: string } {
  const clip = (s: string) => s.trim().slice(0, 100);
  if (p.givenName || p.familyName)
    return { firstname: clip(p.givenName ?? ""), lastname: clip(p.familyName ?? "") };
  if (p.fullName) {
    const [first, ...rest] = p.fullName.trim().split(/\s+/);
    return { firstname: clip(first ?? ""), lastname: clip(rest.join(" ")) };
  }
  return { firstname: "User", lastname: clip(remoteId) };
}

function validEmail(e: string | undefined): string | undefined {
  return e && e.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(e) ? e : undefined;
}

/**
 * What a launch changes in a linked account's profile: names when the consumer sent any, the email
 * when it sent a valid one; nothing for an account that is not an LTI one.
 */
export function profileChanges(
  u: repo.LinkedUser,
  l: Person,
): { firstname?: string; lastname?: string; email?: string } {
  const changes: { firstname?: string; lastname?: string; email?: string } = {};
  if (u.auth !== "lti") return changes;
  if (l.person.givenName || l.person.familyName || l.person.fullName) {
    const names = personNames(l.person, l.userId ?? "");
    if (u.firstname !== names.firstname) changes.firstname = names.firstname;
    if (u.lastname !== names.lastname) changes.lastname = names.lastname;
  }
  const email = validEmail(l.person.email);
  if (email && u.email !== email) changes.email = email;
  return changes;
}

/** Refreshes a linked account's profile from the launch, when anything changed. */
export async function refreshProfile(
  trx: repo.Q,
  ctx: Pick<AppContext, "clock">,
  u: repo.LinkedUser,
  l: Person,
) {
  const changes = profileChanges(u, l);
  if (Object.keys(changes).length > 0) await repo.updateLinkedUser(trx, u.id, changes, iso(ctx.clock.now()));
}

/** The local account of a remote user: found by (consumer key, user_id), created once, refreshed on each launch. */
export async function provisionUser(
  trx: repo.Q,
  ctx: Pick<AppContext, "clock">,
  pub: Pick<repo.Publication, "defaults">,
  l: Person,
): Promise<number> {
  const remote = l.userId ?? "";
  const existing = await repo.findLinkedUser(trx, l.consumerKey, remote);
  if (existing) {
    await refreshProfile(trx, ctx, existing, l);
    return existing.id;
  }
  const now = iso(ctx.clock.now());
  const names = personNames(l.person, remote);
  const id = await repo.insertLtiUser(trx, {
    username: ltiUsername(l.consumerKey, remote),
    email: validEmail(l.person.email) ?? "",
    ...names,
    defaults: pub.defaults,
    now,
  });
  await repo.insertUserLink(trx, { consumerKey: l.consumerKey, remoteUserId: remote, userId: id, now });
  return id;
}
