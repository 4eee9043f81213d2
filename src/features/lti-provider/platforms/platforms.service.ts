// LTI Advantage platforms (Pluto as an LTI 1.3 tool): a site admin registers a platform by hand with
// the Platform details its admin gives (Platform ID = issuer, Client ID, endpoints) and its deployment
// ids, and gives back the Tool details (tool-endpoints.ts). A platform is Pending until it can launch
// (issuer, client id, authentication request URL, keyset URL and one deployment), Active after.
//
// The registration (issuer, client_id) and its deployments are lti-common's rows; the name, endpoints
// and status are this folder's table. A deployment that launched (launch log, accounts, remote users or
// resource links point at it) is never removed, nor its platform deleted: its history stays.
// One file past 300 lines: the use cases share the status rule and the usage check, kept beside them.
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import { isUniqueViolation } from "../../../db/errors.js";
import { iso } from "../../../shared/clock.js";
import { ConflictError, NotFoundError, ValidationError } from "../../../shared/errors.js";
import { parseInput } from "../../../shared/validation.js";
import { countLaunches } from "../../lti-common/launch-log.service.js";
import * as registrations from "../../lti-common/platform-registrations.service.js";
import { countLinks } from "../accounts/accounts.repository.js";
import { countResourceLinks } from "../launch/resource-links.repository.js";
import { countProviderUsers } from "../publications/publications.repository.js";
import type { ServicePlatform } from "../service-token.js";
import { deploymentId, PLATFORM_FIELDS, type PlatformInput, platformSchema } from "./platform-input.js";
import * as repo from "./platforms.repository.js";

export {
  allowsInsecureLoopback,
  FIELD_LABELS,
  PLATFORM_FIELDS,
  platformInputSchema,
} from "./platform-input.js";

type Ctx = Pick<AppContext, "db" | "clock" | "config" | "engine">;

export type PlatformStatus = "active" | "pending";

export interface PlatformDeploymentInfo {
  /** The lti_deployments row (for removing it). */
  id: number;
  deploymentId: string;
  createdAt: string;
  /** Launches, accounts, remote users or resource links point at it: it cannot be removed. */
  inUse: boolean;
}

export interface Platform {
  id: number;
  name: string;
  /** Platform ID: the `iss` of its messages, as given ("" while not given). */
  issuer: string;
  clientId: string;
  authenticationRequestUrl: string;
  accessTokenUrl: string;
  publicKeysetUrl: string;
  /** The authorization server, when it is not the access token URL; "" otherwise. */
  authorizationServer: string;
  deployments: PlatformDeploymentInfo[];
  status: PlatformStatus;
  /** What it still needs to be Active (field names), empty when Active. */
  missing: string[];
  createdAt: string;
  updatedAt: string;
}

function parse(ctx: Ctx, input: unknown): PlatformInput {
  if (!input || typeof input !== "object" || Array.isArray(input))
    throw new ValidationError("The request body must be a JSON object", [
      { field: "_", message: "expected an object" },
    ]);
  return parseInput(platformSchema(ctx.config.publicUrl), input);
}

/** What a platform still needs before it can launch. */
function missingOf(v: {
  issuer: string;
  clientId: string;
  authenticationRequestUrl: string;
  publicKeysetUrl: string;
  deploymentCount: number;
}): string[] {
  const out: string[] = [];
  if (v.issuer === "") out.push("issuer");
  if (v.clientId === "") out.push("clientId");
  if (v.authenticationRequestUrl === "") out.push("authenticationRequestUrl");
  if (v.publicKeysetUrl === "") out.push("publicKeysetUrl");
  if (v.deploymentCount === 0) out.push("deploymentIds");
  return out;
}

async function usage(db: Db, ids: readonly number[]): Promise<Set<number>> {
  const counts = await Promise.all([
    countLaunches(db, ids),
    countLinks(db, ids),
    countProviderUsers(db, ids),
    countResourceLinks(db, ids),
  ]);
  return new Set(ids.filter((id) => counts.some((m) => (m.get(id) ?? 0) > 0)));
}

function present(
  r: registrations.PlatformRegistration,
  d: repo.PlatformDetailsRow,
  deployments: registrations.PlatformDeployment[],
  used: ReadonlySet<number>,
): Platform {
  const missing = missingOf({ ...r, ...d, deploymentCount: deployments.length });
  return {
    id: r.id,
    name: d.name,
    issuer: r.issuer,
    clientId: r.clientId,
    authenticationRequestUrl: d.authenticationRequestUrl,
    accessTokenUrl: d.accessTokenUrl,
    publicKeysetUrl: d.publicKeysetUrl,
    authorizationServer: d.authorizationServer,
    deployments: deployments.map((x) => ({
      id: x.id,
      deploymentId: x.deploymentId,
      createdAt: x.createdAt,
      inUse: used.has(x.id),
    })),
    status: d.status,
    missing,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export async function findPlatform(db: Db, id: number): Promise<Platform | undefined> {
  const [r, d] = await Promise.all([
    registrations.findPlatformRegistration(db, id),
    repo.findPlatformDetails(db, id),
  ]);
  if (!r || !d) return undefined;
  const deployments = await registrations.listPlatformDeployments(db, [id]);
  return present(
    r,
    d,
    deployments,
    await usage(
      db,
      deployments.map((x) => x.id),
    ),
  );
}

export async function getPlatform(db: Db, id: number): Promise<Platform> {
  const p = await findPlatform(db, id);
  if (!p) throw new NotFoundError("LTI Advantage platform");
  return p;
}

/** Every registered platform, by name. */
export async function listPlatforms(db: Db): Promise<Platform[]> {
  const details = await repo.listPlatformDetails(db);
  const ids = details.map((d) => d.registrationId);
  const [regs, deployments] = await Promise.all([
    registrations.listPlatformRegistrations(db, ids),
    registrations.listPlatformDeployments(db, ids),
  ]);
  const used = await usage(
    db,
    deployments.map((x) => x.id),
  );
  const byId = new Map(regs.map((r) => [r.id, r]));
  const out: Platform[] = [];
  for (const d of details) {
    const r = byId.get(d.registrationId);
    if (r)
      out.push(
        present(
          r,
          d,
          deployments.filter((x) => x.registrationId === r.id),
          used,
        ),
      );
  }
  return out;
}

/**
 * Where an Active platform's service tokens come from (AGS, NRPS): its issuer, Pluto's client_id there, its
 * access token URL and authorization server. Undefined when it is not registered, Pending, or gave no
 * access token URL (no service can be called). Read per sync run, so an edited registration applies at once.
 */
export async function findServicePlatform(db: Db, id: number): Promise<ServicePlatform | undefined> {
  const [r, d] = await Promise.all([
    registrations.findPlatformRegistration(db, id),
    repo.findPlatformDetails(db, id),
  ]);
  if (!r || !d || d.status !== "active" || d.accessTokenUrl === "") return undefined;
  return {
    issuer: r.issuer,
    clientId: r.clientId,
    tokenUrl: d.accessTokenUrl,
    ...(d.authorizationServer !== "" ? { authorizationServer: d.authorizationServer } : {}),
  };
}

/** An Active platform as its launches need it: no usage counts (a launch must not count the launch log). */
export interface LaunchPlatform {
  id: number;
  issuer: string;
  clientId: string;
  authenticationRequestUrl: string;
  publicKeysetUrl: string;
  deploymentIds: string[];
  /** The deployments' lti_deployments rows, by deployment_id. */
  deployments: Array<{ id: number; deploymentId: string }>;
}

/** The Active platforms of an issuer, or the one of a registration id: what a login and a launch accept. */
export async function findLaunchPlatforms(
  db: Db,
  which: { issuer: string } | { id: number },
): Promise<LaunchPlatform[]> {
  return (await repo.findLaunchPlatformRows(db, which)).map((r) => ({
    id: r.registrationId,
    issuer: r.issuer,
    clientId: r.clientId,
    authenticationRequestUrl: r.authenticationRequestUrl,
    publicKeysetUrl: r.publicKeysetUrl,
    deploymentIds: r.deployments.map((d) => d.deploymentId),
    deployments: r.deployments,
  }));
}

/** findServicePlatform for one sync run: each platform is read once, whatever number of users it has. */
export function servicePlatforms(db: Db): (id: number) => Promise<ServicePlatform | undefined> {
  const seen = new Map<number, Promise<ServicePlatform | undefined>>();
  return (id) => {
    let p = seen.get(id);
    if (!p) {
      p = findServicePlatform(db, id);
      seen.set(id, p);
    }
    return p;
  };
}

/** Whether the site has an Active platform: one that can launch an LTI Advantage publication. */
export async function hasActivePlatform(db: Db): Promise<boolean> {
  return repo.hasActivePlatform(db);
}

async function refuseDuplicate(db: Db, issuer: string, clientId: string, exceptId?: number): Promise<void> {
  if (issuer === "" || clientId === "") return;
  const other = await registrations.findPlatformRegistrationByIdentity(db, issuer, clientId, exceptId);
  if (other) throw duplicate(issuer, clientId);
}

const duplicate = (issuer: string, clientId: string) =>
  new ConflictError(
    `A platform with Platform ID ${issuer} and Client ID ${clientId} is already registered: edit that one instead.`,
  );

/** Stores the platform's registration, details and status from `v` (its deployments already written). */
async function store(trx: Db, id: number, v: Omit<PlatformInput, "deploymentIds">, now: string) {
  const count = (await registrations.listPlatformDeployments(trx, [id])).length;
  const status: PlatformStatus =
    missingOf({ ...v, deploymentCount: count }).length === 0 ? "active" : "pending";
  await registrations.updatePlatformRegistration(trx, id, { issuer: v.issuer, clientId: v.clientId, status });
  const fields = {
    name: v.name,
    authenticationRequestUrl: v.authenticationRequestUrl,
    accessTokenUrl: v.accessTokenUrl,
    publicKeysetUrl: v.publicKeysetUrl,
    authorizationServer: v.authorizationServer,
    status,
  };
  if (await repo.findPlatformDetails(trx, id)) await repo.updatePlatformDetails(trx, id, fields, now);
  else await repo.insertPlatformDetails(trx, id, fields, now);
}

/** Runs `fn` in a transaction, a unique (issuer, client_id) race answered as the duplicate it is. */
async function inTransaction<T>(
  ctx: Ctx,
  v: { issuer: string; clientId: string },
  fn: (trx: Db) => Promise<T>,
) {
  try {
    return await ctx.db.transaction().execute(fn);
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(v.issuer, v.clientId);
    throw err;
  }
}

/** Registers a platform (name required; what is left out makes it Pending). */
export async function registerPlatform(ctx: Ctx, input: unknown): Promise<Platform> {
  const v = parse(ctx, input);
  const now = iso(ctx.clock.now());
  const id = await inTransaction(ctx, v, async (trx) => {
    await refuseDuplicate(trx, v.issuer, v.clientId);
    const id = await registrations.insertPlatformRegistration(
      trx,
      { issuer: v.issuer, clientId: v.clientId, status: "pending" },
      now,
    );
    for (const d of v.deploymentIds) await registrations.insertPlatformDeployment(trx, id, d, now);
    await store(trx, id, v, now);
    return id;
  });
  return getPlatform(ctx.db, id);
}

/**
 * Changes a platform: fields left out keep their values; `deploymentIds`, when given, is the whole new
 * list (a deployment that launched cannot be left out).
 */
export async function updatePlatform(ctx: Ctx, id: number, input: unknown): Promise<Platform> {
  const current = await getPlatform(ctx.db, id);
  if (!input || typeof input !== "object" || Array.isArray(input)) parse(ctx, input);
  const given = input as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const f of PLATFORM_FIELDS) merged[f] = current[f];
  for (const [k, val] of Object.entries(given)) if (val !== undefined) merged[k] = val;
  if (!("deploymentIds" in given)) merged.deploymentIds = current.deployments.map((d) => d.deploymentId);
  const v = parse(ctx, merged);
  const now = iso(ctx.clock.now());
  await inTransaction(ctx, v, async (trx) => {
    await refuseDuplicate(trx, v.issuer, v.clientId, id);
    if ("deploymentIds" in given) {
      const keep = new Set(v.deploymentIds);
      const existing = await lockedDeployments(ctx, trx, id);
      const gone = existing.filter((d) => !keep.has(d.deploymentId));
      await refuseInUse(
        trx,
        gone.map((d) => d.id),
        "deploymentIds",
        existing,
      );
      for (const d of gone) await registrations.deletePlatformDeployment(trx, id, d.id);
      const have = new Set(existing.map((d) => d.deploymentId));
      for (const d of v.deploymentIds)
        if (!have.has(d)) await registrations.insertPlatformDeployment(trx, id, d, now);
    }
    await store(trx, id, v, now);
  });
  return getPlatform(ctx.db, id);
}

/** The platform's deployments, locked against a launch starting to use one (PostgreSQL). */
function lockedDeployments(ctx: Ctx, trx: Db, id: number) {
  return registrations.listPlatformDeployments(trx, [id], ctx.engine === "postgres");
}

async function refuseInUse(
  trx: Db,
  ids: readonly number[],
  field: string,
  all: readonly registrations.PlatformDeployment[],
): Promise<void> {
  const used = await usage(trx, ids);
  if (used.size === 0) return;
  const names = all.filter((d) => used.has(d.id)).map((d) => d.deploymentId);
  const message = `Deployment ${names.join(", ")} has launched: it stays, so the launch log, accounts and grades it carries keep their history.`;
  throw new ValidationError(message, [{ field, message }]);
}

/** Adds one deployment id (409 when the platform has it already). */
export async function addDeployment(ctx: Ctx, id: number, input: unknown): Promise<Platform> {
  const current = await getPlatform(ctx.db, id);
  const { deploymentId: d } = parseInput(z.object({ deploymentId }), input);
  const now = iso(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const added = await registrations.insertPlatformDeployment(trx, id, d, now);
    if (added === undefined)
      throw new ConflictError(`Deployment ${d} is already registered for ${current.name}.`);
    await store(trx, id, current, now);
  });
  return getPlatform(ctx.db, id);
}

/** Removes one deployment, unless it has launched (then a 409: its history stays). */
export async function removeDeployment(ctx: Ctx, id: number, deploymentRowId: number): Promise<Platform> {
  const current = await getPlatform(ctx.db, id);
  const now = iso(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const all = await lockedDeployments(ctx, trx, id);
    const d = all.find((x) => x.id === deploymentRowId);
    if (!d) throw new NotFoundError("Deployment");
    if ((await usage(trx, [d.id])).size > 0)
      throw new ConflictError(
        `Deployment ${d.deploymentId} has launched: it stays, so the launch log, accounts and grades it carries keep their history.`,
      );
    await registrations.deletePlatformDeployment(trx, id, d.id);
    await store(trx, id, current, now);
  });
  return getPlatform(ctx.db, id);
}

/**
 * Deletes a platform that never launched. One whose deployments launched is refused (409): deleting it
 * would take its remote users' links, resource links and launch history with it.
 */
export async function deletePlatform(ctx: Ctx, id: number): Promise<Platform> {
  const current = await getPlatform(ctx.db, id);
  await ctx.db.transaction().execute(async (trx) => {
    const all = await lockedDeployments(ctx, trx, id);
    if (
      (
        await usage(
          trx,
          all.map((d) => d.id),
        )
      ).size > 0
    )
      throw new ConflictError(
        `${current.name} has launched: it cannot be deleted, so its launch log, accounts and grades keep their history.`,
      );
    await repo.deletePlatformDetails(trx, id);
    await registrations.deletePlatformRegistration(trx, id);
  });
  return current;
}
