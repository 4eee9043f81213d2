// The login bindings of LTI 1.3 launches (src/lti/v1p3/tool-login.ts's LoginBinding), kept between the
// login initiation and the launch on any node: stored by the sha256 of the state, read back by the
// state the launch posts, deleted by the launch that uses it (once) or when expired.
import type { Db } from "../../../db/database.js";
import type { LoginBinding } from "../../../lti/v1p3/tool-login.js";
import { iso } from "../../../shared/clock.js";
import { sha256Hex } from "../../../shared/secrets.js";
import * as repo from "./tool-logins.repository.js";

type Stored = Omit<LoginBinding, "state" | "expiresAt">;

export async function saveToolLogin(db: Db, binding: LoginBinding): Promise<void> {
  const { state, expiresAt, ...rest } = binding;
  await repo.insertToolLogin(db, {
    stateHash: sha256Hex(state),
    registrationId: Number(binding.platformId),
    binding: JSON.stringify(rest satisfies Stored),
    expiresAt: iso(expiresAt),
  });
}

/** The binding stored for `state` (expired ones too: verifyToolLaunch tells them apart). */
export async function findToolLogin(db: Db, state: string): Promise<LoginBinding | undefined> {
  if (state.length === 0 || state.length > 200) return undefined;
  const r = await repo.findToolLogin(db, sha256Hex(state));
  if (!r) return undefined;
  const stored = JSON.parse(r.binding) as Stored;
  return { ...stored, state, expiresAt: new Date(r.expiresAt) };
}

/** Uses the login up; false when another launch used it first. */
export function deleteToolLogin(db: Db, state: string): Promise<boolean> {
  return repo.deleteToolLogin(db, sha256Hex(state));
}

export function purgeToolLogins(db: Db, now: Date): Promise<number> {
  return repo.deleteExpiredToolLogins(db, iso(now));
}
