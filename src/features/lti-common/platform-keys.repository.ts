// Pluto's LTI 1.3 platform keys (lti_platform_keys) and the LTI site settings (lti_settings).
// private_key_pem is a secret: only signingKeyPem reads it, and nothing here logs a row.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import type { PublicJwk } from "../../lti/ports.js";
import type { KeyLifecycle } from "../../lti/v1p3/keys.js";
import { iso } from "../../shared/clock.js";

/** A stored key without its private part. */
export interface StoredPlatformKey extends KeyLifecycle {
  slot: number;
  publicJwk: PublicJwk;
}

const date = (s: string | null) => (s === null ? null : new Date(s));

/** Every stored key, in creation order, without the private keys. */
export async function listKeys(db: Db): Promise<StoredPlatformKey[]> {
  const rows = await db
    .selectFrom("lti_platform_keys")
    .select(["kid", "slot", "public_jwk", "created_at", "activates_at", "retired_at", "revoked_at"])
    .orderBy("slot")
    .execute();
  return rows.map((r) => ({
    kid: r.kid,
    slot: r.slot,
    publicJwk: JSON.parse(r.public_jwk) as PublicJwk,
    createdAt: new Date(r.created_at),
    activatesAt: new Date(r.activates_at),
    retiredAt: date(r.retired_at),
    revokedAt: date(r.revoked_at),
  }));
}

/** The private key of one key (PKCS #8 PEM), or undefined when the row is gone. */
export async function signingKeyPem(db: Db, kid: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("lti_platform_keys")
    .select("private_key_pem")
    .where("kid", "=", kid)
    .executeTakeFirst();
  return row?.private_key_pem;
}

/**
 * Stores a new key in `slot` unless that slot is taken (another node planned the same key from the same
 * state and stored it first); true when this row was stored. One atomic statement.
 */
export async function insertKey(
  db: Db,
  key: {
    kid: string;
    slot: number;
    publicJwk: PublicJwk;
    privateKeyPem: string;
    createdAt: Date;
    activatesAt: Date;
  },
): Promise<boolean> {
  const { rows } = await sql`insert into lti_platform_keys
      (kid, slot, public_jwk, private_key_pem, created_at, activates_at)
    values (${key.kid}, ${key.slot}, ${JSON.stringify(key.publicJwk)}, ${key.privateKeyPem},
      ${iso(key.createdAt)}, ${iso(key.activatesAt)})
    on conflict do nothing returning kid`.execute(db);
  return rows[0] !== undefined;
}

/** Stores a key's retirement date, unless one is stored already. */
export async function retireKey(db: Db, kid: string, retiredAt: Date): Promise<void> {
  await db
    .updateTable("lti_platform_keys")
    .set({ retired_at: iso(retiredAt) })
    .where("kid", "=", kid)
    .where("retired_at", "is", null)
    .execute();
}

/** Marks a key revoked (presumed leaked), unless it is already. */
export async function revokeKey(db: Db, kid: string, revokedAt: Date): Promise<void> {
  await db
    .updateTable("lti_platform_keys")
    .set({ revoked_at: iso(revokedAt) })
    .where("kid", "=", kid)
    .where("revoked_at", "is", null)
    .execute();
}

export async function deleteKeys(db: Db, kids: readonly string[]): Promise<number> {
  if (kids.length === 0) return 0;
  const r = await db.deleteFrom("lti_platform_keys").where("kid", "in", kids).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function getSetting(db: Db, name: string): Promise<string | undefined> {
  const row = await db.selectFrom("lti_settings").select("value").where("name", "=", name).executeTakeFirst();
  return row?.value;
}

export async function putSetting(db: Db, name: string, value: string, now: Date): Promise<void> {
  await db
    .insertInto("lti_settings")
    .values({ name, value, updated_at: iso(now) })
    .onConflict((oc) => oc.column("name").doUpdateSet({ value, updated_at: iso(now) }))
    .execute();
}

/** Stores a setting unless it is set; answers the stored value (the one given, or the one stored first). */
export async function putSettingIfAbsent(db: Db, name: string, value: string, now: Date): Promise<string> {
  await db
    .insertInto("lti_settings")
    .values({ name, value, updated_at: iso(now) })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  return (await getSetting(db, name)) ?? value;
}
