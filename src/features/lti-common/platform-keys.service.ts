// Pluto's LTI 1.3 platform keys as the rest of the app uses them: the key that signs now, the JWKS the
// JWKS URL serves, the scheduled rotation and "Rotate now" (src/lti/v1p3/keys.ts plans; this applies).
//
// The database is the source of truth and several nodes share it. Each process keeps two derived caches:
// - imported private keys by kid (a kid names one key for ever, so a cached import is never stale);
// - the rotation plan, per database, for at most PLAN_CACHE_SECONDS (30 s) and never past the plan's own
//   next review: which kid signs and which are published always follows the stored state and the clock.
//   A rotation on another node reaches this one within 30 s, far inside the JWKS cache period (1 h), so
//   a key still signs only after every verifier could have fetched it. "Rotate now" on another node
//   stops this node signing with the revoked key within the same 30 s.
import { randomBytes } from "node:crypto";
import type { AppContext } from "../../app/context.js";
import type { Db } from "../../db/database.js";
import type { PublicJwk } from "../../lti/ports.js";
import {
  buildJwks,
  generatePlatformKey,
  importPlatformSigningKey,
  type PlatformSigningKey,
  planRotateNow,
  planRotation,
  type RotationPlan,
  type RotationPolicy,
} from "../../lti/v1p3/keys.js";
import { addSeconds } from "../../shared/clock.js";
import { ConflictError, ValidationError } from "../../shared/errors.js";
import * as repo from "./platform-keys.repository.js";

/** How long verifiers may cache Pluto's JWKS: served as `Cache-Control: max-age`; the next key is published this long before it signs. */
/** Where the site's public key set is served (both roles: platform and tool; see the README). */
export const JWKS_PATH = "/lti/jwks";
export const JWKS_CACHE_PERIOD_SECONDS = 3600;
/**
 * The longest lifetime of anything Pluto signs (id_token and deep linking messages 5 min, service access
 * tokens 1 h) plus 5 min of verifiers' clock leeway: a retired key stays published this long.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 3600 + 300;
/** How long a process reuses the rotation plan it read (shorter than the JWKS cache period). */
export const PLAN_CACHE_SECONDS = 30;

export const ROTATION_PERIOD_SETTING = "key_rotation_period_days";
export const DEFAULT_ROTATION_PERIOD_DAYS = 90;
export const MIN_ROTATION_PERIOD_DAYS = 1;
export const MAX_ROTATION_PERIOD_DAYS = 3650;

type Ctx = Pick<AppContext, "db" | "clock" | "log">;

/** A key's state as the admin page shows it. */
export type PlatformKeyState = "next" | "signing" | "retired" | "revoked";

export interface PlatformKeyInfo {
  kid: string;
  state: PlatformKeyState;
  /** Whether the JWKS lists it now. */
  published: boolean;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  revokedAt: Date | null;
  /** A retired key: when it leaves the JWKS (everything it signed has expired). */
  publishedUntil: Date | null;
  publicJwk: PublicJwk;
}

// ---------------------------------------------------------------------------------------------------------
// Policy (a site setting plus constants)

/** The key rotation period in days (site setting; default 90). */
export async function rotationPeriodDays(ctx: Pick<AppContext, "db">): Promise<number> {
  const v = Number(await repo.getSetting(ctx.db, ROTATION_PERIOD_SETTING));
  return Number.isInteger(v) && v >= MIN_ROTATION_PERIOD_DAYS && v <= MAX_ROTATION_PERIOD_DAYS
    ? v
    : DEFAULT_ROTATION_PERIOD_DAYS;
}

/** Sets the rotation period; `days` as typed (a whole number, 1 to 3650). Takes effect at the next plan. */
export async function setRotationPeriodDays(ctx: Ctx, days: unknown, actorUserId: number): Promise<number> {
  const typed = typeof days === "number" ? String(days) : typeof days === "string" ? days.trim() : "";
  const n = /^[0-9]{1,6}$/.test(typed) ? Number(typed) : Number.NaN;
  if (!Number.isInteger(n) || n < MIN_ROTATION_PERIOD_DAYS || n > MAX_ROTATION_PERIOD_DAYS) {
    const message = `The rotation period must be a whole number of days from ${MIN_ROTATION_PERIOD_DAYS} to ${MAX_ROTATION_PERIOD_DAYS}.`;
    throw new ValidationError(message, [{ field: "rotationPeriodDays", message }]);
  }
  await repo.putSetting(ctx.db, ROTATION_PERIOD_SETTING, String(n), ctx.clock.now());
  plans.delete(ctx.db);
  ctx.log.info({ event: "lti_key_rotation_period_set", actorUserId, days: n }, "LTI key rotation period set");
  return n;
}

/** The site setting "Auto-activate dynamically registered tools" (off by default: they start Pending). */
export const AUTO_ACTIVATE_SETTING = "dynamic_registration_auto_activate";
/** The HS256 secret of Dynamic Registration tokens, made on first use (a secret: never logged). */
const REGISTRATION_SECRET_SETTING = "dynamic_registration_token_secret";

export async function autoActivateDynamicTools(ctx: Pick<AppContext, "db">): Promise<boolean> {
  return (await repo.getSetting(ctx.db, AUTO_ACTIVATE_SETTING)) === "1";
}

export async function setAutoActivateDynamicTools(
  ctx: Ctx,
  on: unknown,
  actorUserId: number,
): Promise<boolean> {
  const value = on === true || on === "1" || on === "on" || on === "true";
  if (!value && on !== false && on !== "0" && on !== "" && on !== "false" && on !== undefined) {
    const message = "autoActivate must be true or false.";
    throw new ValidationError(message, [{ field: "autoActivate", message }]);
  }
  await repo.putSetting(ctx.db, AUTO_ACTIVATE_SETTING, value ? "1" : "0", ctx.clock.now());
  ctx.log.info(
    { event: "lti_dynamic_registration_auto_activate_set", actorUserId, on: value },
    "LTI dynamic registration auto-activation set",
  );
  return value;
}

/** The site's registration token secret (32 random bytes), created once across nodes. */
export async function registrationTokenSecret(ctx: Pick<AppContext, "db" | "clock">): Promise<Uint8Array> {
  const fresh = randomBytes(32).toString("base64url");
  const stored = await repo.putSettingIfAbsent(ctx.db, REGISTRATION_SECRET_SETTING, fresh, ctx.clock.now());
  return new Uint8Array(Buffer.from(stored, "base64url"));
}

export async function rotationPolicy(ctx: Pick<AppContext, "db">): Promise<RotationPolicy> {
  return {
    rotationPeriodSeconds: (await rotationPeriodDays(ctx)) * 86400,
    jwksCachePeriodSeconds: JWKS_CACHE_PERIOD_SECONDS,
    maxTokenLifetimeSeconds: MAX_TOKEN_LIFETIME_SECONDS,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The plan, cached briefly per database

interface CachedPlan {
  keys: repo.StoredPlatformKey[];
  plan: RotationPlan;
  policy: RotationPolicy;
  /** The clock when it was read: a clock set back (tests) reads again. */
  readAt: number;
  validUntil: number;
}

const plans = new WeakMap<Db, CachedPlan>();
const imported = new Map<string, Promise<PlatformSigningKey>>();
const creating = new WeakMap<Db, Promise<void>>();

async function readPlan(ctx: Ctx): Promise<CachedPlan> {
  const now = ctx.clock.now();
  const cached = plans.get(ctx.db);
  if (cached && now.getTime() < cached.validUntil && now.getTime() >= cached.readAt) return cached;
  const [keys, policy] = await Promise.all([repo.listKeys(ctx.db), rotationPolicy(ctx)]);
  const plan = planRotation(keys, now, policy);
  const fresh: CachedPlan = {
    keys,
    plan,
    policy,
    readAt: now.getTime(),
    validUntil: Math.min(
      now.getTime() + PLAN_CACHE_SECONDS * 1000,
      Math.max(plan.nextReviewAt.getTime(), now.getTime()),
    ),
  };
  // A plan that foresees a change now (a key to create) is not reused.
  if (fresh.validUntil > now.getTime()) plans.set(ctx.db, fresh);
  else plans.delete(ctx.db);
  return fresh;
}

/**
 * `activatesAt`, or just after the latest key that activated by then: the plan orders keys by activation,
 * so a new key (Rotate now within the millisecond of the previous key's creation) must come after it.
 */
function after(keys: readonly repo.StoredPlatformKey[], activatesAt: Date): Date {
  const latest = keys
    .filter((k) => k.activatesAt.getTime() <= activatesAt.getTime())
    .reduce((m, k) => Math.max(m, k.activatesAt.getTime()), Number.NEGATIVE_INFINITY);
  return latest < activatesAt.getTime() ? activatesAt : new Date(latest + 1);
}

/**
 * Generates a key and stores it in the slot after the newest key the caller read. False when another
 * node (or an earlier call) took that slot first: the caller re-reads and plans again.
 */
async function createKey(
  ctx: Ctx,
  keys: readonly repo.StoredPlatformKey[],
  activatesAt: Date,
): Promise<string | undefined> {
  const generated = await generatePlatformKey(ctx.clock);
  const slot = keys.reduce((m, k) => Math.max(m, k.slot), 0) + 1;
  const at = after(keys, activatesAt);
  const stored = await repo.insertKey(ctx.db, { ...generated, slot, activatesAt: at });
  plans.delete(ctx.db);
  if (!stored) return undefined;
  ctx.log.info(
    { event: "lti_platform_key_created", kid: generated.kid, activatesAt: at },
    "LTI platform key created",
  );
  return generated.kid;
}

/** Ensures some key can sign (the first key of a fresh site, or after every key was revoked). */
async function ensureSigner(ctx: Ctx): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { keys, plan } = await readPlan(ctx);
    if (plan.signingKid !== undefined) return;
    await createKey(ctx, keys, plan.create?.activatesAt ?? ctx.clock.now());
  }
  throw new Error("No LTI platform key could be created");
}

// ---------------------------------------------------------------------------------------------------------
// The API

/**
 * The key that signs now (its kid goes into the JWT header), for signPlatformJwt. On a fresh site the
 * first key is created on demand, once across concurrent calls and nodes, so a launch never fails for
 * lack of a key.
 */
export async function signingKey(ctx: Ctx): Promise<PlatformSigningKey> {
  let { plan } = await readPlan(ctx);
  if (plan.signingKid === undefined) {
    let pending = creating.get(ctx.db);
    if (!pending) {
      pending = ensureSigner(ctx).finally(() => creating.delete(ctx.db));
      creating.set(ctx.db, pending);
    }
    await pending;
    ({ plan } = await readPlan(ctx));
  }
  const kid = plan.signingKid;
  if (kid === undefined) throw new Error("No LTI platform key signs");
  let key = imported.get(kid);
  if (!key) {
    key = (async () => {
      const pem = await repo.signingKeyPem(ctx.db, kid);
      if (pem === undefined) throw new Error("The LTI platform signing key is gone");
      return importPlatformSigningKey({ kid, privateKeyPem: pem });
    })();
    imported.set(kid, key);
    key.catch(() => imported.delete(kid));
  }
  return key;
}

/** The JWKS document the JWKS URL serves: public members only, signing key first, then the next and retired keys. */
export async function publishedJwks(ctx: Ctx): Promise<{ keys: PublicJwk[] }> {
  await signingKey(ctx);
  const { keys, plan } = await readPlan(ctx);
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  return buildJwks(plan.publishedKids.flatMap((kid) => (byKid.has(kid) ? [byKid.get(kid)!] : [])));
}

/**
 * Every stored key with its state, for the admin page and API (never a private key). A fresh site gets its
 * first key here too, so the page shows the key tools will be given.
 */
export async function listPlatformKeys(ctx: Ctx): Promise<PlatformKeyInfo[]> {
  await signingKey(ctx);
  const { keys, plan, policy } = await readPlan(ctx);
  const published = new Set(plan.publishedKids);
  const now = ctx.clock.now().getTime();
  return keys.map((k) => {
    const state: PlatformKeyState = k.revokedAt
      ? "revoked"
      : k.kid === plan.signingKid
        ? "signing"
        : k.activatesAt.getTime() > now
          ? "next"
          : "retired";
    const retiredAt =
      k.retiredAt ??
      (state === "retired"
        ? (keys.find((n) => n.slot > k.slot && n.activatesAt.getTime() <= now)?.activatesAt ?? null)
        : null);
    return {
      kid: k.kid,
      state,
      published: published.has(k.kid),
      createdAt: k.createdAt,
      activatesAt: k.activatesAt,
      retiredAt: state === "revoked" ? null : retiredAt,
      revokedAt: k.revokedAt ?? null,
      publishedUntil:
        state === "retired" && retiredAt ? addSeconds(retiredAt, policy.maxTokenLifetimeSeconds) : null,
      publicJwk: buildJwks([k]).keys[0]!,
    };
  });
}

export interface RotationResult {
  created: string | undefined;
  retired: string[];
  deleted: string[];
  signingKid: string | undefined;
  nextReviewAt: Date;
}

/**
 * Applies the rotation plan (the scheduled task; safe on several nodes at once): creates the next key one
 * JWKS cache period before it must sign, stores retirements, deletes keys nothing can need any more.
 */
export async function rotateKeys(ctx: Ctx): Promise<RotationResult> {
  plans.delete(ctx.db);
  const { keys, plan } = await readPlan(ctx);
  const now = ctx.clock.now();
  for (const r of plan.retire) await repo.retireKey(ctx.db, r.kid, r.retiredAt);
  const deleted = plan.deletable.length > 0 ? plan.deletable : [];
  await repo.deleteKeys(ctx.db, deleted);
  for (const kid of deleted) imported.delete(kid);
  let created: string | undefined;
  if (plan.create) created = await createKey(ctx, keys, plan.create.activatesAt);
  plans.delete(ctx.db);
  const after = await readPlan(ctx);
  if (deleted.length > 0 || plan.retire.length > 0)
    ctx.log.info(
      { event: "lti_platform_keys_rotated", retired: plan.retire.map((r) => r.kid), deleted, at: now },
      "LTI platform keys rotated",
    );
  return {
    created,
    retired: plan.retire.map((r) => r.kid),
    deleted,
    signingKid: after.plan.signingKid,
    nextReviewAt: after.plan.nextReviewAt,
  };
}

/**
 * "Rotate now" (a leaked key): the signing key is revoked and leaves the JWKS at once, and a new key signs
 * at once, under a kid no verifier has fetched yet. Tools that fetch the JWKS on every launch (ltijs,
 * Moodle) accept the next launch; jose-based tools refetch on an unknown kid at most every 30 s, so one
 * that fetched Pluto's JWKS in the last 30 s refuses launches until that cooldown is over; tools that
 * cache it for hours without refetching refuse them until their cache expires. Logs the actor.
 */
export async function rotateNow(
  ctx: Ctx,
  actorUserId: number,
): Promise<{ revoked: string[]; signingKid: string }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    plans.delete(ctx.db);
    const { keys, policy } = await readPlan(ctx);
    const now = ctx.clock.now();
    const change = planRotateNow(keys, now, policy);
    const generated = await generatePlatformKey(ctx.clock);
    const slot = keys.reduce((m, k) => Math.max(m, k.slot), 0) + 1;
    const stored = await ctx.db
      .transaction()
      .execute(async (trx) => {
        for (const r of change.revoke) await repo.revokeKey(trx, r.kid, r.revokedAt);
        const activatesAt = after(keys, change.create.activatesAt);
        const ok = await repo.insertKey(trx, { ...generated, slot, activatesAt });
        if (!ok) throw new SlotTaken();
        return ok;
      })
      .catch((e: unknown) => {
        if (e instanceof SlotTaken) return false;
        throw e;
      });
    plans.delete(ctx.db);
    if (!stored) continue;
    for (const r of change.revoke) imported.delete(r.kid);
    ctx.log.info(
      {
        event: "lti_platform_key_rotate_now",
        actorUserId,
        revoked: change.revoke.map((r) => r.kid),
        kid: generated.kid,
      },
      "LTI platform keys rotated now",
    );
    const result = await rotateKeys(ctx);
    return { revoked: change.revoke.map((r) => r.kid), signingKid: result.signingKid ?? generated.kid };
  }
  throw new ConflictError("The LTI platform keys changed during Rotate now; try again");
}

class SlotTaken extends Error {}
