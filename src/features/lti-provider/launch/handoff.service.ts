// One-time tokens from a launch to the page it opens. Inside a consumer's frame the browser may keep
// no cookie at all; the token then lets the user continue in a new (first-party) window instead of
// a broken frame. Tokens live two minutes and work once.
import type { Db } from "../../../db/database.js";
import { addSeconds, type Clock, iso } from "../../../shared/clock.js";
import { randomToken, sha256Hex } from "../../../shared/secrets.js";
import * as repo from "./handoffs.repository.js";

const HANDOFF_SECONDS = 120;

export interface Handoff {
  userId: number;
  target: string;
  data: Record<string, unknown>;
}

export async function createHandoff(db: Db, clock: Clock, h: Handoff): Promise<string> {
  const token = randomToken(24);
  await repo.insertHandoff(db, {
    tokenHash: sha256Hex(token),
    userId: h.userId,
    target: h.target,
    data: JSON.stringify(h.data),
    expiresAt: iso(addSeconds(clock.now(), HANDOFF_SECONDS)),
  });
  return token;
}

async function read(db: Db, clock: Clock, token: string): Promise<Handoff | undefined> {
  const r = await repo.findHandoff(db, sha256Hex(token));
  if (!r || r.expiresAt <= iso(clock.now())) return undefined;
  return { userId: r.userId, target: r.target, data: JSON.parse(r.data) as Record<string, unknown> };
}

export const peekHandoff = read;

/** Returns the handoff and deletes it; a second use finds nothing. */
export async function consumeHandoff(db: Db, clock: Clock, token: string): Promise<Handoff | undefined> {
  const h = await read(db, clock, token);
  if (!h) return undefined;
  return (await repo.deleteHandoff(db, sha256Hex(token))) ? h : undefined;
}

export async function purgeHandoffs(db: Db, now: Date): Promise<number> {
  return repo.deleteExpiredHandoffs(db, iso(now));
}
