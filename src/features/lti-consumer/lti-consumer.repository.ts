// The only file that touches the consumer side's tables: lti_tool_types, lti_consumer_keys, lti_deep_link_requests
// and lti_access_tokens.

import type { Selectable } from "kysely";
import type { Db } from "../../db/database.js";
import type { Database } from "../../db/schema.js";

export const LAUNCH_CONTAINERS = ["embed", "embed_no_blocks", "window"] as const;
export type LaunchContainer = (typeof LAUNCH_CONTAINERS)[number];

export interface ToolType {
  id: number;
  name: string;
  description: string;
  baseUrl: string;
  cartridgeUrl: string | null;
  launchUrl: string;
  secureLaunchUrl: string;
  ltiVersion: string;
  consumerKey: string;
  sharedSecret: string;
  iconUrl: string;
  secureIconUrl: string;
  customParameters: string;
  launchContainer: LaunchContainer;
  shareName: boolean;
  shareEmail: boolean;
  acceptGrades: boolean;
  showInPicker: boolean;
  vendorCode: string;
  vendorName: string;
  createdAt: string;
  updatedAt: string;
}

export type ToolTypeFields = Omit<ToolType, "id" | "createdAt" | "updatedAt">;

function toToolType(r: Selectable<Database["lti_tool_types"]>): ToolType {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    baseUrl: r.base_url,
    cartridgeUrl: r.cartridge_url,
    launchUrl: r.launch_url,
    secureLaunchUrl: r.secure_launch_url,
    ltiVersion: r.lti_version,
    consumerKey: r.consumer_key,
    sharedSecret: r.shared_secret,
    iconUrl: r.icon_url,
    secureIconUrl: r.secure_icon_url,
    customParameters: r.custom_parameters,
    launchContainer: (LAUNCH_CONTAINERS as readonly string[]).includes(r.launch_container)
      ? (r.launch_container as LaunchContainer)
      : "embed",
    shareName: r.share_name === 1,
    shareEmail: r.share_email === 1,
    acceptGrades: r.accept_grades === 1,
    showInPicker: r.show_in_picker === 1,
    vendorCode: r.vendor_code,
    vendorName: r.vendor_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(f: ToolTypeFields) {
  return {
    name: f.name,
    description: f.description,
    base_url: f.baseUrl,
    cartridge_url: f.cartridgeUrl,
    launch_url: f.launchUrl,
    secure_launch_url: f.secureLaunchUrl,
    lti_version: f.ltiVersion,
    consumer_key: f.consumerKey,
    shared_secret: f.sharedSecret,
    icon_url: f.iconUrl,
    secure_icon_url: f.secureIconUrl,
    custom_parameters: f.customParameters,
    launch_container: f.launchContainer,
    share_name: f.shareName ? 1 : 0,
    share_email: f.shareEmail ? 1 : 0,
    accept_grades: f.acceptGrades ? 1 : 0,
    show_in_picker: f.showInPicker ? 1 : 0,
    vendor_code: f.vendorCode,
    vendor_name: f.vendorName,
  };
}

export async function listToolTypes(db: Db): Promise<ToolType[]> {
  const rows = await db.selectFrom("lti_tool_types").selectAll().orderBy("name").orderBy("id").execute();
  return rows.map(toToolType);
}

export async function findToolType(db: Db, id: number): Promise<ToolType | undefined> {
  const r = await db.selectFrom("lti_tool_types").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toToolType(r) : undefined;
}

export async function insertToolType(db: Db, f: ToolTypeFields, now: string): Promise<ToolType> {
  const r = await db
    .insertInto("lti_tool_types")
    .values({ ...toRow(f), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toToolType(r);
}

export async function updateToolType(db: Db, id: number, f: ToolTypeFields, now: string): Promise<void> {
  await db
    .updateTable("lti_tool_types")
    .set({ ...toRow(f), updated_at: now })
    .where("id", "=", id)
    .execute();
}

export async function deleteToolType(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom("lti_tool_types").where("id", "=", id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function findKey(db: Db, name: string): Promise<string | undefined> {
  const r = await db
    .selectFrom("lti_consumer_keys")
    .select("value")
    .where("name", "=", name)
    .executeTakeFirst();
  return r?.value;
}

/** Stores `value` under `name` unless another process got there first; returns the value that won. */
export async function insertKeyOnce(db: Db, name: string, value: string, now: string): Promise<string> {
  await db
    .insertInto("lti_consumer_keys")
    .values({ name, value, created_at: now })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const stored = await findKey(db, name);
  if (stored === undefined) throw new Error(`consumer key ${name} could not be stored`);
  return stored;
}

/** A Deep Linking request sent and not yet answered, keyed by its `data`. */
export interface PendingDeepLink {
  data: string;
  toolTypeId: number;
  userId: number;
  courseId: number;
  /** The section's position number. */
  section: number;
  /** A re-link: the External tool activity whose link the response replaces. */
  activityId: number | null;
  expiresAt: string;
}

export async function insertPendingDeepLink(db: Db, p: PendingDeepLink, now: string): Promise<void> {
  await db
    .insertInto("lti_deep_link_requests")
    .values({
      data: p.data,
      tool_type_id: p.toolTypeId,
      user_id: p.userId,
      course_id: p.courseId,
      section: p.section,
      activity_id: p.activityId,
      expires_at: p.expiresAt,
      created_at: now,
    })
    .execute();
}

export async function findPendingDeepLink(db: Db, data: string): Promise<PendingDeepLink | undefined> {
  const r = await db
    .selectFrom("lti_deep_link_requests")
    .selectAll()
    .where("data", "=", data)
    .executeTakeFirst();
  return r
    ? {
        data: r.data,
        toolTypeId: r.tool_type_id,
        userId: r.user_id,
        courseId: r.course_id,
        section: r.section,
        activityId: r.activity_id,
        expiresAt: r.expires_at,
      }
    : undefined;
}

/** Spends the request: true for the one caller that deleted it (a replay, or a second node, gets false). */
export async function deletePendingDeepLink(db: Db, data: string): Promise<boolean> {
  const r = await db.deleteFrom("lti_deep_link_requests").where("data", "=", data).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Drops requests that expired before `now` (unanswered ones). */
export async function deleteExpiredDeepLinks(db: Db, now: string): Promise<void> {
  await db.deleteFrom("lti_deep_link_requests").where("expires_at", "<", now).execute();
}

/** An access token issued to a tool, by the SHA-256 of the token (the token itself is never stored). */
export interface AccessTokenRow {
  tokenHash: string;
  toolTypeId: number;
  clientId: string;
  scopes: string[];
  expiresAt: string;
}

export async function insertAccessToken(db: Db, t: AccessTokenRow, now: string): Promise<void> {
  await db
    .insertInto("lti_access_tokens")
    .values({
      token_hash: t.tokenHash,
      tool_type_id: t.toolTypeId,
      client_id: t.clientId,
      scopes: t.scopes.join(" "),
      expires_at: t.expiresAt,
      created_at: now,
    })
    .execute();
}

export async function findAccessToken(db: Db, tokenHash: string): Promise<AccessTokenRow | undefined> {
  const r = await db
    .selectFrom("lti_access_tokens")
    .select(["token_hash", "tool_type_id", "client_id", "scopes", "expires_at"])
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return r
    ? {
        tokenHash: r.token_hash,
        toolTypeId: r.tool_type_id,
        clientId: r.client_id,
        scopes: r.scopes.split(" ").filter((s) => s !== ""),
        expiresAt: r.expires_at,
      }
    : undefined;
}

/** Drops the tokens that expired before `now`; returns how many. */
export async function deleteExpiredAccessTokens(db: Db, now: string): Promise<number> {
  const r = await db.deleteFrom("lti_access_tokens").where("expires_at", "<", now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
