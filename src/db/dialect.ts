import { type Kysely, PostgresAdapter } from "kysely";

export type Engine = "sqlite" | "postgres";

export function engineOf(db: Kysely<unknown> | { getExecutor(): { adapter: unknown } }): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}
