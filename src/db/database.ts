// One dialect switch by DATABASE_URL: `sqlite:PATH` (WAL mode) or `postgres://…`.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type DatabaseIntrospector,
  Kysely,
  type MigrationResult,
  Migrator,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  SqliteDialect,
  sql,
  type TableMetadata,
} from "kysely";
import pg from "pg";
import { type Engine, engineOf } from "./dialect.js";
import { isConnectionLost } from "./errors.js";
import { migrations } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";

// int8 (count(*), bigserial) as a JS number: Pluto's ids and counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type Db = Kysely<Database>;

/**
 * Whether the database answers a query within `withinMs` (for the health check); touches no table.
 * A database that does not answer (held up, or every connection of the pool waiting on a lock) is as
 * unavailable as one that refuses: a load balancer asking should route around this node at once.
 */
export async function isReachable(db: Db, withinMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), withinMs);
  });
  const answered = sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface DatabaseHandle {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL only: the schema to use (tests isolate themselves this way). */
  pgSchema?: string;
  poolSize?: number;
  /** PostgreSQL: the server cancels a statement running longer (SQLSTATE 57014). */
  statementTimeoutMs?: number;
  /** PostgreSQL: the server cancels a statement waiting longer for a lock (SQLSTATE 55P03). */
  lockTimeoutMs?: number;
  /**
   * PostgreSQL: a connection the server or the network broke (a failover, a restart,
   * pg_terminate_backend). The pool drops it and opens a new one when next needed; this only reports.
   */
  onConnectionError?: (err: Error) => void;
  /** SQLite: the WAL checkpoint worker failed or fell behind (checkpoints went back to the connection). */
  onSqliteWarning?: (message: string, err?: Error) => void;
}

/** PostgreSQL: how long opening a connection may take before the query waiting for it fails. */
const CONNECT_TIMEOUT_MS = 5000;

export function openDatabase(url: string, opts: OpenOptions = {}): DatabaseHandle {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const database = openSqlite(path, { checkpoints: { onWarning: opts.onSqliteWarning } });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    return {
      db,
      engine: "sqlite",
      close: async () => {
        await database.stopCheckpointer();
        await db.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    // Sent at connection start-up, so no statement runs on a connection without them. A URL's own
    // parameters (`?application_name=…`) win over these.
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.lockTimeoutMs ? { lock_timeout: opts.lockTimeoutMs } : {}),
    fallback_application_name: "pluto",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  });
  const onConnectionError = opts.onConnectionError ?? (() => {});
  // An idle connection the server closed: the pool has dropped it already. Without a listener the
  // 'error' event would end the process.
  pool.on("error", onConnectionError);
  // A connection the server ends as it finishes opening (pg_terminate_backend under load) can emit
  // 'error' in the same read as its ReadyForQuery: after the pool has handed the client out and
  // removed its idle listener, before the caller's listener is on. Every client keeps this listener
  // for its life so that no 'error' ever finds none; it reports only what no other listener does.
  // The client is no longer queryable, so its next query fails as a lost connection and the pool
  // drops it.
  pool.on("connect", (client) => {
    client.on("error", (err) => {
      if (client.listenerCount("error") === 1) onConnectionError(err);
    });
  });
  const db = new Kysely<Database>({
    dialect: new CurrentSchemaPostgresDialect({ pool: preparing(pool, onConnectionError) }),
  });
  return { db, engine: "postgres", close: () => db.destroy() };
}

/**
 * PostgreSQL parses and plans every unnamed statement it is sent, and for Pluto's short statements
 * that was most of the database's CPU (a launch's eight statements cost it more than Pluto's own
 * work). Statements with parameters are sent as named prepared statements instead: each connection
 * parses one the first time it sees its text and then only binds and executes it. Names are given
 * per SQL text; texts past the cap (e.g. `in (…)` lists of every length) stay unnamed. A prepared
 * `select *` whose table gained a column since (a migration run by another node) fails with "cached
 * plan must not change result type": it is sent again unnamed, and its text stays unnamed from then
 * on. Inside a transaction that retry cannot help (PostgreSQL has aborted the transaction), so such a
 * transaction fails once.
 *
 * A connection that breaks while checked out (between the statements of a transaction, or as its
 * query fails) emits 'error' on its client, which the pool listens to only while the client is idle:
 * it is reported here instead, and the pool drops the client when it comes back.
 */
function preparing(pool: pg.Pool, onConnectionError: (err: Error) => void, max = 2000): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < max) {
      name = `pluto_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      // A query failed because the connection is gone (the server terminated it): the client may not
      // have seen the socket close yet, and must not go back to the pool for the next request.
      let broken = false;
      const onError = (err: Error) => {
        broken = true;
        onConnectionError(err);
      };
      const failed = (err: unknown) => {
        if (isConnectionLost(err)) broken = true;
        throw err;
      };
      client.on("error", onError);
      const send = (text: unknown, values?: readonly unknown[]): Promise<unknown> => {
        if (typeof text !== "string" || values === undefined || values.length === 0)
          return client.query(text as never, values as never);
        const name = nameOf(text);
        if (!name) return client.query(text, [...values]);
        return client.query({ name, text, values: [...values] }).catch((err: { code?: string }) => {
          if (err.code !== "0A000") throw err;
          names.set(text, "");
          return client.query(text, [...values]);
        });
      };
      return {
        query: ((text: unknown, values?: readonly unknown[]) => {
          const result = send(text, values);
          // A submittable (a cursor) is returned as it is.
          return result instanceof Promise ? result.catch(failed) : result;
        }) as unknown as PostgresPoolClient["query"],
        release: (destroy?: boolean) => {
          client.removeListener("error", onError);
          client.release(destroy || broken);
        },
      };
    },
    end: () => pool.end(),
  };
}

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema (calling a function per
 * column), so the migrator takes another schema's kysely_migration table for ours, and fails
 * when another session drops a schema meanwhile (parallel tests do). Pluto only ever needs the
 * tables of the schema it runs in.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas() {
    const r = await sql<{ name: string | null }>`select current_schema() as name`.execute(this.db);
    return r.rows.flatMap((row) => (row.name ? [{ name: row.name }] : []));
  }

  async getTables(): Promise<TableMetadata[]> {
    const r = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return r.rows.map((t) => ({ name: t.name, schema: t.schema, isView: t.kind === "v", columns: [] }));
  }

  async getMetadata() {
    return { tables: await this.getTables() };
  }
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Brings the schema up to date. Safe to call from several processes at once (Kysely locks). On
 * PostgreSQL the migrations run on one connection without the statement and lock timeouts: a
 * migration may take long on a big table, and a node starting meanwhile waits for its lock.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  if (engineOf(db) !== "postgres") return migrate(db);
  return db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`set lock_timeout = 0`.execute(conn);
    try {
      return await migrate(conn);
    } finally {
      await sql`reset statement_timeout`.execute(conn);
      await sql`reset lock_timeout`.execute(conn);
    }
  });
}

async function migrate(db: Db): Promise<MigrationResult[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new MigrationError(`migration ${failed?.migrationName ?? "?"} failed: ${String(error)}`, {
      cause: error,
    });
  }
  return results ?? [];
}
