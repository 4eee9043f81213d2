// Login rate limiting kept in the database, so it holds across app processes. The only code that
// touches login_attempts.
//
// Every attempt is counted before its password is checked, by one statement per key (an upsert that
// adds one and returns the new count), so parallel attempts cannot all read the same count and all
// go on to the password check: of N attempts at once, only those the count allows are checked.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import { iso } from "../../shared/clock.js";

const WINDOW_SECONDS = 15 * 60;
export const MAX_FAILURES = 10;

function windowStart(now: Date): string {
  return iso(new Date(now.getTime() - WINDOW_SECONDS * 1000));
}

/** Whether a further attempt on any of these keys would be refused. */
export async function isThrottled(db: Db, keys: string[], now: Date): Promise<boolean> {
  const rows = await db
    .selectFrom("login_attempts")
    .select(["failures"])
    .where("key", "in", keys)
    .where("window_start", ">", windowStart(now))
    .execute();
  return rows.some((r) => r.failures >= MAX_FAILURES);
}

/**
 * Counts one attempt against each key (a window older than 15 minutes starts again at one) and
 * returns the highest count, this attempt included: above MAX_FAILURES the attempt is refused.
 */
export async function countAttempt(db: Db, keys: string[], now: Date): Promise<number> {
  const since = windowStart(now);
  const at = iso(now);
  let highest = 0;
  for (const key of keys) {
    const expired = sql<boolean>`login_attempts.window_start <= ${since}`;
    const row = await db
      .insertInto("login_attempts")
      .values({ key, window_start: at, failures: 1 })
      .onConflict((oc) =>
        oc.column("key").doUpdateSet({
          failures: sql<number>`case when ${expired} then 1 else login_attempts.failures + 1 end`,
          window_start: sql<string>`case when ${expired} then ${at} else login_attempts.window_start end`,
        }),
      )
      .returning("failures")
      .executeTakeFirstOrThrow();
    highest = Math.max(highest, Number(row.failures));
  }
  return highest;
}

/** Counts a failed attempt (the login form counts before checking; the CLI's tests use this). */
export async function recordFailure(db: Db, keys: string[], now: Date): Promise<void> {
  await countAttempt(db, keys, now);
}

/** Takes back one counted attempt that turned out to be a good login (for a shared address). */
export async function uncountAttempt(db: Db, key: string): Promise<void> {
  await db
    .updateTable("login_attempts")
    .set({ failures: sql<number>`failures - 1` })
    .where("key", "=", key)
    .where("failures", ">", 0)
    .execute();
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom("login_attempts").where("key", "=", key).execute();
}

export async function purgeOldAttempts(db: Db, now: Date): Promise<number> {
  const r = await db
    .deleteFrom("login_attempts")
    .where("window_start", "<=", windowStart(now))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
