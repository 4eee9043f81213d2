// A database for a migration test: a fresh test database on one connection, migrated to a named
// migration (or the latest) as the test goes, each step failing the test on a migration error, and
// dropped when the test closes it.
import assert from "node:assert/strict";
import { Migrator, sql } from "kysely";
import { type DatabaseHandle, openDatabase } from "../../src/db/database.js";
import { migrations } from "../../src/db/migrations/index.js";
import { createTestDatabase, type testEngines } from "./db.js";

export interface MigrationTestDb {
  h: DatabaseHandle;
  /** Migrates up or down to the migration named (as in src/db/migrations/index.ts), or to the latest. */
  migrateTo(name?: string): Promise<void>;
  /**
   * A migration that creates `table`: migrating down to `before` drops it, and migrating up again
   * creates it empty.
   */
  downAndUpAgain(table: string, before: string): Promise<void>;
  close(): Promise<void>;
}

export async function openMigrationTestDb(
  engine: ReturnType<typeof testEngines>[number],
): Promise<MigrationTestDb> {
  const tdb = await createTestDatabase(engine);
  const h = openDatabase(tdb.url, { pgSchema: tdb.pgSchema, poolSize: 1 });
  const migrator = new Migrator({ db: h.db, provider: { getMigrations: async () => migrations } });
  const migrateTo = async (name?: string) => {
    const r = name === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(name);
    assert.equal(r.error, undefined, `migrating to ${name ?? "the latest migration"}`);
  };
  return {
    h,
    migrateTo,
    async downAndUpAgain(table, before) {
      await migrateTo(before);
      await assert.rejects(sql`select 1 from ${sql.table(table)}`.execute(h.db), `${table} is dropped`);
      await migrateTo();
      const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(h.db);
      assert.equal(Number(rows[0]?.n), 0);
    },
    async close() {
      await h.close();
      await tdb.drop();
    },
  };
}
