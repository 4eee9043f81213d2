// The access tokens Pluto's token endpoint issues to LTI 1.3 tools (client_credentials), kept in the
// database so every node and a restart honour them until they expire: only a SHA-256 of each token is
// stored, with the site tool it is bound to, its client_id and its granted scopes (space-separated). The
// assertions' jti are remembered in lti_nonces under the tool's deployment.
import { type Db, notNull } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await db.schema
    .createTable("lti_access_tokens")
    // The SHA-256 of the token, hex.
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("tool_type_id", "integer", (c) =>
      c.notNull().references("lti_tool_types.id").onDelete("cascade"),
    )
    .addColumn("client_id", "varchar(255)", notNull)
    .addColumn("scopes", "text", notNull)
    .addColumn("expires_at", "varchar(30)", notNull)
    .addColumn("created_at", "varchar(30)", notNull)
    .execute();
  await db.schema
    .createIndex("lti_access_tokens_expires_at")
    .on("lti_access_tokens")
    .column("expires_at")
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_access_tokens").execute();
}
