// The driver errors code elsewhere needs to tell apart, whichever engine raised them.

/** A unique or primary key constraint refused a write (PostgreSQL 23505, SQLite's UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}
