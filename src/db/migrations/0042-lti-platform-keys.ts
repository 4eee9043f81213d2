// Pluto's LTI 1.3 platform keys (RSA key pairs, rotated on a schedule, published at the JWKS URL) and the
// LTI site settings (the key rotation period). Both sides of LTI will sign with these keys, so they belong
// to lti-common. `slot` numbers the keys in creation order and is unique: two nodes that plan the same new
// key from the same state both try the same slot, and only one insert wins (the other re-reads).
import { type Db, notNull } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("lti_platform_keys")
    .addColumn("kid", "varchar(100)", (c) => c.primaryKey())
    .addColumn("slot", "integer", notNull)
    .addColumn("public_jwk", "text", notNull)
    .addColumn("private_key_pem", "text", notNull)
    .addColumn("created_at", "text", notNull)
    .addColumn("activates_at", "text", notNull)
    .addColumn("retired_at", "text")
    .addColumn("revoked_at", "text")
    .addUniqueConstraint("lti_platform_keys_slot", ["slot"])
    .execute();

  await db.schema
    .createTable("lti_settings")
    .addColumn("name", "varchar(100)", (c) => c.primaryKey())
    .addColumn("value", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_settings").execute();
  await db.schema.dropTable("lti_platform_keys").execute();
}
