// SQLite on Node's built-in `node:sqlite`, shaped as the synchronous database Kysely's SqliteDialect
// drives (the better-sqlite3 interface: prepare → statement with `reader`, `all`, `run`, `iterate`).
// Built in, so installing Pluto compiles no native addon (that build was most of `npm install`'s time,
// and it needs a compiler and the runtime's headers a locked-down machine may not have).
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

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
  private readonly toRow: ((values: unknown[]) => Row) | undefined;

  constructor(
    private readonly stmt: StatementSync,
    private readonly fresh: () => StatementSync,
  ) {
    const columns = stmt.columns().map((c) => c.name);
    this.reader = columns.length > 0;
    if (this.reader) {
      stmt.setReturnArrays(true);
      this.toRow = rowBuilder(columns);
    }
  }

  all(parameters: readonly unknown[]): unknown[] {
    const rows = this.stmt.all(...(parameters as SQLInputValue[])) as unknown as unknown[][];
    const toRow = this.toRow;
    return toRow ? rows.map(toRow) : rows;
  }

  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(...(parameters as SQLInputValue[]));
  }

  /** A statement of its own: a cached statement may be run again while the caller still iterates. */
  iterate(parameters: readonly unknown[]): IterableIterator<unknown> {
    return this.fresh().iterate(...(parameters as SQLInputValue[])) as IterableIterator<unknown>;
  }
}

/**
 * Opens PATH (or `:memory:`) in WAL mode. Kysely prepares every query it runs, and compiling the SQL
 * text was the largest single cost of a page: statements are cached by their text (values are bound
 * per call). The cache is bounded because `in (?, ?, …)` lists vary in length.
 */
export function openSqlite(path: string, maxCached = 1000): SqliteDatabase {
  const sqlite = new DatabaseSync(path, { timeout: 5000 });
  sqlite.exec("pragma journal_mode = WAL; pragma synchronous = NORMAL; pragma foreign_keys = ON;");
  const cache = new Map<string, Statement>();
  return {
    close: () => sqlite.close(),
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
