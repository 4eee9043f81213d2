// The consumer's opaque and tamper-proof identifiers, all keyed by one random site secret kept in the
// database (so every process of the site derives the same values):
// - user_id: stable per site and opaque (an HMAC of the Pluto user id), never the raw id;
// - lis_result_sourcedid: "activityId:userId:mac", refused unless the mac matches (conformance case 19);
// - ext_ims_lis_memberships_id: "activityId:mac", naming the activity whose course roster a tool may read.

import { createHmac } from "node:crypto";
import type { Db } from "../../db/database.js";
import type { Clock } from "../../shared/clock.js";
import { iso } from "../../shared/clock.js";
import { randomToken, safeEqual } from "../../shared/secrets.js";
import { findKey, insertKeyOnce } from "./lti-consumer.repository.js";

const SITE_SECRET = "site_secret";
const cache = new WeakMap<object, Promise<string>>();

/** The site secret, created on first use (one value wins even when processes race). */
export function siteSecret(db: Db, clock: Clock): Promise<string> {
  let p = cache.get(db);
  if (!p) {
    p = (async () => {
      const found = await findKey(db, SITE_SECRET);
      return found ?? insertKeyOnce(db, SITE_SECRET, randomToken(32), iso(clock.now()));
    })();
    p.catch(() => cache.delete(db));
    cache.set(db, p);
  }
  return p;
}

function mac(secret: string, ...parts: Array<string | number>): string {
  return createHmac("sha256", secret).update(parts.join("\n")).digest("base64url");
}

/** The user_id sent to tools for a Pluto user: the same for every tool and launch on this site. */
export function opaqueUserId(secret: string, userId: number): string {
  return mac(secret, "user", userId).slice(0, 32);
}

export function buildSourcedId(secret: string, activityId: number, userId: number): string {
  return `${activityId}:${userId}:${mac(secret, "sourcedid", activityId, userId)}`;
}

/** The activity and user a sourcedid names, or undefined when it is malformed or its mac does not match. */
export function verifySourcedId(
  secret: string,
  sourcedId: string,
): { activityId: number; userId: number } | undefined {
  const m = /^([1-9]\d{0,15}):([1-9]\d{0,15}):([A-Za-z0-9_-]{43})$/.exec(sourcedId);
  if (!m) return undefined;
  const activityId = Number(m[1]);
  const userId = Number(m[2]);
  const expected = mac(secret, "sourcedid", activityId, userId);
  return safeEqual(expected, m[3] ?? "") ? { activityId, userId } : undefined;
}

export function buildMembershipsId(secret: string, activityId: number): string {
  return `${activityId}:${mac(secret, "memberships", activityId)}`;
}

export function verifyMembershipsId(secret: string, id: string): number | undefined {
  const m = /^([1-9]\d{0,15}):([A-Za-z0-9_-]{43})$/.exec(id);
  if (!m) return undefined;
  const activityId = Number(m[1]);
  return safeEqual(mac(secret, "memberships", activityId), m[2] ?? "") ? activityId : undefined;
}
