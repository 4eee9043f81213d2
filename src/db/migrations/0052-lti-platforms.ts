// LTI Advantage platforms registered with Pluto as a tool: a platform is a site-wide provider-side
// registration (issuer, client_id) in lti_registrations, not tied to one publication (a launch names
// the published course itself), with its deployment ids as lti_deployments rows and its details (name,
// endpoints, status) in lti_platforms.
//
// lti_registrations_owner (migration 0040) required a publication on every provider-side registration;
// it now also allows none. PostgreSQL swaps the constraint in place. SQLite cannot, so the table is
// rebuilt from its own stored definition (whatever columns later migrations added) with foreign keys
// off: dropping it with them on would cascade to the deployments of the consumer side's LTI 1.3 tools.
import { sql } from "kysely";
import { engineOf } from "../dialect.js";
import { type Db, notNull, text } from "./helpers.js";

const OLD_CHECK = /constraint\s+"lti_registrations_owner"\s+check\s*\(/i;
const NEW_CHECK = `constraint "lti_registrations_owner" check ((side = 'provider' and tool_type_id is null)
        or (side = 'consumer' and tool_type_id is not null and publication_id is null))`;

export async function up(db: Db): Promise<void> {
  if (engineOf(db) === "postgres") {
    await sql`alter table lti_registrations drop constraint lti_registrations_owner`.execute(db);
    await sql`alter table lti_registrations add ${sql.raw(NEW_CHECK)}`.execute(db);
  } else {
    await rebuildSqlite(db);
  }
  // One registration per (issuer, client_id) on the site, once both are known.
  await sql`create unique index lti_registrations_platform_identity on lti_registrations (issuer, client_id)
    where side = 'provider' and publication_id is null and issuer <> '' and client_id <> ''`.execute(db);

  await db.schema
    .createTable("lti_platforms")
    .addColumn("registration_id", "integer", (c) =>
      c.primaryKey().references("lti_registrations.id").onDelete("cascade"),
    )
    .addColumn("name", "varchar(255)", notNull)
    .addColumn("authentication_request_url", "text", text)
    .addColumn("access_token_url", "text", text)
    .addColumn("public_keyset_url", "text", text)
    .addColumn("authorization_server", "text", text)
    .addColumn("status", "varchar(10)", (c) => c.notNull().defaultTo("pending"))
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();
}

/** The span of the balanced parentheses opening at `open` in `s`. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")" && --depth === 0) return i;
  }
  throw new Error("unbalanced parentheses in lti_registrations' definition");
}

async function rebuildSqlite(db: Db): Promise<void> {
  const stored = await sql<{ sql: string }>`select sql from sqlite_master
    where type = 'table' and name = 'lti_registrations'`.execute(db);
  const create = stored.rows[0]?.sql;
  const m = create ? OLD_CHECK.exec(create) : null;
  if (!create || !m) throw new Error("lti_registrations has no lti_registrations_owner constraint");
  const end = closingParen(create, m.index + m[0].length - 1);
  const rebuilt = `${create.slice(0, m.index)}${NEW_CHECK}${create.slice(end + 1)}`.replace(
    /^create table\s+"?lti_registrations"?/i,
    'create table "lti_registrations_v2"',
  );
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master
    where type = 'index' and tbl_name = 'lti_registrations' and sql is not null`.execute(db);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(rebuilt).execute(db);
      await sql`insert into lti_registrations_v2 select * from lti_registrations`.execute(db);
      await sql`drop table lti_registrations`.execute(db);
      await sql`alter table lti_registrations_v2 rename to lti_registrations`.execute(db);
      for (const i of indexes.rows) await sql.raw(i.sql).execute(db);
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error("lti_registrations' rebuild broke a foreign key");
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

// No down: a provider-side registration without a publication would not fit the old constraint.
