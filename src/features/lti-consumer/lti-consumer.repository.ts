// The only file that touches the consumer side's tables: lti_tool_types and lti_consumer_keys.

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
