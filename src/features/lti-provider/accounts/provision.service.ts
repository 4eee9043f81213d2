// The local account of a remote LTI user: found by (deployment, user id), created once with the
// publication's user default values (auth "lti"), names and email refreshed from what the platform
// sent on later launches and member syncs. Version-neutral: launches of every LTI version and the
// member syncs come here with the same values.
import { createHash } from "node:crypto";
import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import { iso } from "../../../shared/clock.js";
import { ConflictError } from "../../../shared/errors.js";
import { createExternalUser, updateExternalUser } from "../../users/users.service.js";
import type { RemotePerson } from "../launch/verified-launch.js";
import type { Publication } from "../publications/publications.repository.js";
import * as accounts from "./accounts.repository.js";

/** A remote user as the platform names them, and the deployment they come through. */
export interface RemoteUser {
  deploymentId: number;
  /** The deployment's account scope (see LaunchDeployment): where the account is found, and its name. */
  accountScope: number;
  userId: string;
  person: RemotePerson;
}

/**
 * A stable, opaque username per (account scope, remote user id); collisions between simultaneous
 * launches of one remote user are the point. Accounts made before account scopes keep the names
 * they had (hashed from the consumer key and user id, joined by a newline); this input has another
 * shape, and a clash with one of them would only refuse the creation, never link the account.
 */
export function ltiUsername(accountScope: number, remoteUserId: string): string {
  const input = `scope\u0000${accountScope}\u0000${remoteUserId}`;
  return `lti_${createHash("sha256").update(input).digest("hex").slice(0, 32)}`;
}

function personNames(p: RemotePerson, remoteId: string): { firstname: string; lastname: string } {
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
  u: accounts.LinkedUser,
  l: Pick<RemoteUser, "userId" | "person">,
): { firstname?: string; lastname?: string; email?: string } {
  const changes: { firstname?: string; lastname?: string; email?: string } = {};
  if (u.auth !== "lti") return changes;
  if (l.person.givenName || l.person.familyName || l.person.fullName) {
    const names = personNames(l.person, l.userId);
    if (u.firstname !== names.firstname) changes.firstname = names.firstname;
    if (u.lastname !== names.lastname) changes.lastname = names.lastname;
  }
  const email = validEmail(l.person.email);
  if (email && u.email !== email) changes.email = email;
  return changes;
}

/** Refreshes a linked account's profile from the launch, when anything changed. */
export async function refreshProfile(
  trx: Db,
  ctx: Pick<AppContext, "clock">,
  u: accounts.LinkedUser,
  l: Pick<RemoteUser, "userId" | "person">,
) {
  const changes = profileChanges(u, l);
  if (Object.keys(changes).length > 0) await updateExternalUser(trx, u.id, changes, iso(ctx.clock.now()));
}

/**
 * The local account of a remote user: found by (deployment, user id), created once, refreshed on
 * each launch. `knownAbsent`: the caller has just looked and found no account, so creating is tried
 * first (a launch of a new user then needs no second look).
 */
export async function provisionUser(
  trx: Db,
  ctx: Pick<AppContext, "clock">,
  pub: Pick<Publication, "defaults">,
  l: RemoteUser,
  knownAbsent = false,
): Promise<number> {
  const remote = l.userId;
  const linked = async () => {
    const existing = await accounts.findLinkedUser(trx, l.deploymentId, remote);
    if (existing) await refreshProfile(trx, ctx, existing, l);
    return existing?.id;
  };
  if (!knownAbsent) {
    const id = await linked();
    if (id !== undefined) return id;
  }
  const now = iso(ctx.clock.now());
  const username = ltiUsername(l.accountScope, remote);
  const id = await createExternalUser(trx, {
    username,
    email: validEmail(l.person.email) ?? "",
    ...personNames(l.person, remote),
    profile: pub.defaults,
    now,
  });
  if (id === undefined) {
    // The username is taken: a simultaneous launch of the same remote user created the account
    // (PostgreSQL waited for it to commit; on SQLite it is earlier in the same transaction).
    const existing = await linked();
    if (existing === undefined) throw new ConflictError(`The account ${username} exists but is not linked`);
    return existing;
  }
  await accounts.insertUserLink(trx, { deploymentId: l.deploymentId, remoteUserId: remote, userId: id, now });
  return id;
}
