// Column helpers shared by the migrations, identical on SQLite and PostgreSQL.
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from "kysely";
import { engineOf } from "../dialect.js";

export type Db = Kysely<unknown>;
type Table = CreateTableBuilder<string, never>;

/** An auto-incrementing integer primary key on either engine. */
export function withId(db: Db, t: Table): Table {
  return engineOf(db) === "postgres"
    ? t.addColumn("id", "serial", (c) => c.primaryKey())
    : t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
}

/** The floating-point column type of the engine. */
export const realType = (db: Db) => (engineOf(db) === "postgres" ? "double precision" : "real");

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
export const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo("");
export const zero = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);
export const flag = (on: 0 | 1) => (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(on);
/** A required reference whose rows go when the referenced row goes. */
export const fk = (table: string) => (c: ColumnDefinitionBuilder) =>
  c.notNull().references(`${table}.id`).onDelete("cascade");
