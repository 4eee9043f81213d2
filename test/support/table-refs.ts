// Which tables a source file's SQL touches: the Kysely builder's table arguments and the table
// names after from/join/into/update in SQL texts. Used by the table-ownership test.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const BUILDER =
  /\.(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|innerJoin|leftJoin|rightJoin|fullJoin|crossJoin)\(\s*\[?\s*"([a-z_]+)/g;
const SQL_TEXT = /\bsql(?:<[^`]*?>)?`([^`]*)`/gs;
const IN_TEXT = /\b(?:from|join|into|update)\s+([a-z_]+)/gi;

export function tablesIn(source: string, known: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const m of source.matchAll(BUILDER)) if (m[1] && known.has(m[1])) found.add(m[1]);
  for (const text of source.matchAll(SQL_TEXT)) {
    for (const m of (text[1] ?? "").matchAll(IN_TEXT)) {
      const name = m[1]?.toLowerCase();
      if (name && known.has(name)) found.add(name);
    }
  }
  return found;
}

const BUILDER_WRITE = /\.(?:insertInto|updateTable|deleteFrom|mergeInto)\(\s*"([a-z_]+)/g;
const WRITE_IN_TEXT = /\b(?:delete\s+from|insert\s+into|update)\s+([a-z_]+)/gi;

/** The tables a source file's SQL writes (insert, update, delete). */
export function writtenTablesIn(source: string, known: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const m of source.matchAll(BUILDER_WRITE)) if (m[1] && known.has(m[1])) found.add(m[1]);
  for (const text of source.matchAll(SQL_TEXT)) {
    for (const m of (text[1] ?? "").matchAll(WRITE_IN_TEXT)) {
      const name = m[1]?.toLowerCase();
      if (name && known.has(name)) found.add(name);
    }
  }
  return found;
}

/** Every non-test TypeScript file under `dir`, as paths relative to the repository root. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(path);
  }
  return out.sort();
}

export function read(path: string): string {
  return readFileSync(path, "utf8");
}
