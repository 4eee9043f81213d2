// Every data-touching suite runs once per engine: SQLite always, PostgreSQL when
// TEST_DATABASE_URL is set (scripts/test.mjs sets it when the local server answers; CI requires it).
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Engine } from "../../src/db/dialect.js";

export function testEngines(): Engine[] {
  return process.env.TEST_DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];
}

export interface TestDatabase {
  url: string;
  pgSchema?: string;
  drop(): Promise<void>;
}

/**
 * The name of a new test schema: t_<run>_<random> inside an `npm test` run (TEST_RUN_ID), whose
 * schemas a later run drops once this one has ended (scripts/test.mjs); t_<random> otherwise.
 */
function schemaName(): string {
  const random = randomBytes(6).toString("hex");
  const run = process.env.TEST_RUN_ID;
  return run && /^[0-9a-f]{8}$/.test(run) ? `t_${run}_${random}` : `t_${random}`;
}

/** A fresh, empty database: an in-memory SQLite, or a new PostgreSQL schema. */
export async function createTestDatabase(
  engine: Engine,
  opts: { sqliteFile?: string } = {},
): Promise<TestDatabase> {
  if (engine === "sqlite") {
    return { url: `sqlite:${opts.sqliteFile ?? ":memory:"}`, drop: async () => {} };
  }
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  const schema = schemaName();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    url,
    pgSchema: schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
