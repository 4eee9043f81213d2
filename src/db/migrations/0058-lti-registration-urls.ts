// Pluto as an LTI 1.3 tool: the Registration URLs a site admin made for Dynamic Registration. Each is a
// single-use secret with an expiry; only the sha256 of its token is kept, so any node can check one and a
// database reader cannot use one. `used_at` is set by the one request that spends it (an UPDATE guarded by
// `used_at IS NULL`, so two nodes cannot both spend it).
import { type Db, notNull } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("lti_registration_urls")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("created_at", "text", notNull)
    .addColumn("expires_at", "text", notNull)
    .addColumn("used_at", "text")
    .execute();
  await db.schema
    .createIndex("lti_registration_urls_expires")
    .on("lti_registration_urls")
    .column("expires_at")
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_registration_urls").ifExists().execute();
}
