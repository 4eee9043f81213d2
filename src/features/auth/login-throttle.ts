// Login rate limiting kept in the database, so it holds across app processes.
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";

const WINDOW_SECONDS = 15 * 60;
export const MAX_FAILURES = 10;

export async function isThrottled(db: Db, keys: string[], now: Date): Promise<boolean> {
  const since = iso(new Date(now.getTime() - WINDOW_SECONDS * 1000));
  const rows = await db
    .selectFrom("login_attempts")
    .select(["failures"])
    .where("key", "in", keys)
    .where("window_start", ">", since)
    .execute();
  return rows.some((r) => r.failures >= MAX_FAILURES);
}

export async function recordFailure(db: Db, keys: string[], now: Date): Promise<void> {
  const since = iso(new Date(now.getTime() - WINDOW_SECONDS * 1000));
  for (const key of keys) {
    await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("login_attempts")
        .selectAll()
        .where("key", "=", key)
        .executeTakeFirst();
      if (!row || row.window_start <= since) {
        await trx
          .insertInto("login_attempts")
          .values({ key, window_start: iso(now), failures: 1 })
          .onConflict((oc) => oc.column("key").doUpdateSet({ window_start: iso(now), failures: 1 }))
          .execute();
      } else {
        await trx
          .updateTable("login_attempts")
          .set({ failures: row.failures + 1 })
          .where("key", "=", key)
          .execute();
      }
    });
  }
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom("login_attempts").where("key", "=", key).execute();
}

export async function purgeOldAttempts(db: Db, now: Date): Promise<number> {
  const since = iso(new Date(now.getTime() - WINDOW_SECONDS * 1000));
  const r = await db.deleteFrom("login_attempts").where("window_start", "<=", since).executeTakeFirst();
  return Number(r.numDeletedRows);
}
