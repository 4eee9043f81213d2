// LTI 1.3 tools registered by hand on the consumer side (Pluto is the platform): the registration
// keeps where the tool's login starts, the redirection URIs its authentication requests must name
// byte for byte, its public key (a keyset URL, or a pasted PEM or JWK) and whether it is active.
import { type Db, text } from "./helpers.js";

const COLUMNS = [
  ["initiate_login_url", "text"],
  // One URI per line, as registered (no normalisation: matched byte for byte).
  ["redirect_uris", "text"],
  // "keyset" (public_keyset_url) or "key" (public_key: PEM or JWK text); "" on the provider side.
  ["public_key_type", "varchar(10)"],
  ["public_keyset_url", "text"],
  ["public_key", "text"],
] as const;

export async function up(db: Db): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds a single column.
  for (const [name, type] of COLUMNS)
    await db.schema.alterTable("lti_registrations").addColumn(name, type, text).execute();
  await db.schema
    .alterTable("lti_registrations")
    .addColumn("status", "varchar(10)", (c) => c.notNull().defaultTo("active"))
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.alterTable("lti_registrations").dropColumn("status").execute();
  for (const [name] of [...COLUMNS].reverse())
    await db.schema.alterTable("lti_registrations").dropColumn(name).execute();
}
