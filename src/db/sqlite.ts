// SQLite on Node's built-in `node:sqlite`, shaped as the synchronous database Kysely's SqliteDialect
// drives (the better-sqlite3 interface: prepare → statement with `reader`, `all`, `run`, `iterate`).
// Built in, so installing Pluto compiles no native addon (that build was most of `npm install`'s time,
// and it needs a compiler and the runtime's headers a locked-down machine may not have).
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { type CheckpointerOptions, WalCheckpointer } from "./wal-checkpointer.js";

type Row = Record<string, unknown>;

/**
 * Rows are read as arrays and turned into objects by a function made once per statement from its
 * column names. node:sqlite's own row objects have a null prototype (so they are not equal to plain
 * objects, and `{...row}` per row cost more than the query), and an object literal with the columns
 * as fixed keys is the fastest plain object V8 builds. The names are the statement's own result
 * columns, quoted with JSON.stringify.
 */
function rowBuilder(columns: readonly string[]): (values: unknown[]) => Row {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(", ");
  return new Function("v", `return { ${fields} };`) as (values: unknown[]) => Row;
}

class Statement implements SqliteStatement {
  readonly reader: boolean;
  private toRow: ((values: unknown[]) => Row) | undefined;
  private width = 0;

  constructor(
    private readonly stmt: StatementSync,
    private readonly fresh: () => StatementSync,
  ) {
    this.reader = stmt.columns().length > 0;
    if (this.reader) {
      stmt.setReturnArrays(true);
      this.learnColumns();
    }
  }

  private learnColumns(): void {
    const columns = this.stmt.columns().map((c) => c.name);
    this.width = columns.length;
    this.toRow = rowBuilder(columns);
  }

  all(parameters: readonly unknown[]): unknown[] {
    const rows = this.stmt.all(...(parameters as SQLInputValue[])) as unknown as unknown[][];
    if (!this.toRow) return rows;
    // SQLite prepares a statement again by itself when the schema changed (a migration run by another
    // process on the same file), so a `select *` may now have more or fewer columns.
    if (rows[0] && rows[0].length !== this.width) this.learnColumns();
    return rows.map(this.toRow);
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(...(parameters as SQLInputValue[]));
  }

  /** A statement of its own, so a cached statement run again cannot reset the caller's iteration. */
  *iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    const stmt = this.fresh();
    const columns = stmt.columns().map((c) => c.name);
    stmt.setReturnArrays(true);
    const toRow = rowBuilder(columns);
    for (const values of stmt.iterate(...(parameters as SQLInputValue[])))
      yield toRow(values as unknown as unknown[]);
  }
}

export interface SqliteOptions {
  maxCached?: number;
  /** WAL checkpoints on a worker thread (file databases only); `false` leaves them to SQLite. */
  checkpoints?: CheckpointerOptions | false;
}

export interface PlutoSqlite extends SqliteDatabase {
  /** The worker checkpointing the WAL; none for an in-memory database. */
  readonly checkpointer: WalCheckpointer | undefined;
  /** Ends the worker, waiting for it to close its connection (before `close`). */
  stopCheckpointer(): Promise<void>;
}

/**
 * Opens PATH (or `:memory:`) in WAL mode. Kysely prepares every query it runs, and compiling the SQL
 * text was the largest single cost of a page: statements are cached by their text (values are bound
 * per call). The cache is bounded because `in (?, ?, …)` lists vary in length.
 *
 * A file database's WAL is checkpointed by a worker thread (wal-checkpointer.ts), not by this
 * connection as it commits; closing ends the worker and checkpoints what is left, truncating the WAL.
 */
export function openSqlite(path: string, opts: SqliteOptions = {}): PlutoSqlite {
  const maxCached = opts.maxCached ?? 1000;
  const sqlite = new DatabaseSync(path, { timeout: 5000 });
  const mode = sqlite.prepare("pragma journal_mode = WAL").get() as { journal_mode: string };
  // A WAL that a reset leaves larger than this is cut back to it (the file would otherwise stay at
  // its largest size).
  sqlite.exec("pragma synchronous = NORMAL; pragma foreign_keys = ON; pragma journal_size_limit = 4194304;");
  const checkpointer =
    mode.journal_mode === "wal" && opts.checkpoints !== false
      ? new WalCheckpointer(sqlite, path, opts.checkpoints || {})
      : undefined;
  const cache = new Map<string, Statement>();
  return {
    checkpointer,
    stopCheckpointer: async () => {
      await checkpointer?.stop();
    },
    close: () => {
      if (checkpointer) {
        checkpointer.stopNow();
        try {
          sqlite.exec("pragma wal_checkpoint(TRUNCATE)");
        } catch {
          // Another process holds the database: the WAL stays for it (or the last close) to empty.
        }
      }
      sqlite.close();
    },
    prepare(text: string) {
      const hit = cache.get(text);
      if (hit) return hit;
      const stmt = new Statement(sqlite.prepare(text), () => sqlite.prepare(text));
      if (cache.size >= maxCached) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}
