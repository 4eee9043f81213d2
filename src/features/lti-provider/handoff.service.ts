// One-time tokens from a launch to the page it opens. Inside a consumer's frame the browser may keep
// no cookie at all; the token then lets the user continue in a new (first-party) window instead of
// a broken frame. Tokens live two minutes and work once.
import { sql } from "kysely";
import type { Db } from "../../db/database.js";
import { addSeconds, type Clock, iso } from "../../shared/clock.js";
import { randomToken, sha256Hex } from "../../shared/secrets.js";

const HANDOFF_SECONDS = 120;

export interface Handoff {
  userId: number;
  target: string;
  data: Record<string, unknown>;
}

export async function createHandoff(db: Db, clock: Clock, h: Handoff): Promise<string> {
  const token = randomToken(24);
  // Written on every launch: an SQL text, as the builder cost more than the insert.
  await sql`insert into lti_handoffs (token_hash, user_id, target, data, expires_at)
    values (${sha256Hex(token)}, ${h.userId}, ${h.target}, ${JSON.stringify(h.data)},
      ${iso(addSeconds(clock.now(), HANDOFF_SECONDS))})`.execute(db);
  return token;
}

async function read(db: Db, clock: Clock, token: string): Promise<Handoff | undefined> {
  const r = await db
    .selectFrom("lti_handoffs")
    .selectAll()
    .where("token_hash", "=", sha256Hex(token))
    .executeTakeFirst();
  if (!r || r.expires_at <= iso(clock.now())) return undefined;
  return { userId: r.user_id, target: r.target, data: JSON.parse(r.data) as Record<string, unknown> };
}

export const peekHandoff = read;

/** Returns the handoff and deletes it; a second use finds nothing. */
export async function consumeHandoff(db: Db, clock: Clock, token: string): Promise<Handoff | undefined> {
  const h = await read(db, clock, token);
  if (!h) return undefined;
  const r = await db.deleteFrom("lti_handoffs").where("token_hash", "=", sha256Hex(token)).executeTakeFirst();
  return Number(r.numDeletedRows) === 1 ? h : undefined;
}

export async function purgeHandoffs(db: Db, now: Date): Promise<number> {
  const r = await db.deleteFrom("lti_handoffs").where("expires_at", "<=", iso(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
