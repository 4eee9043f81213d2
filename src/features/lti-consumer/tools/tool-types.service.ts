// Site-wide ("preconfigured") external tools: what an admin sets up once under Site admin → Integrations →
// External Sources / LTI, for every course to use. A tool URL that is a cartridge configures the tool from it.
import { z } from "zod";
import type { Db } from "../../../db/database.js";
import { isLtiError } from "../../../lti/errors.js";
import { parseCustomParameterLines } from "../../../lti/v1p1/custom-params.js";
import { type Clock, iso } from "../../../shared/clock.js";
import { NotFoundError, ValidationError } from "../../../shared/errors.js";
import { parseInput } from "../../../shared/validation.js";
import { ensureDeployment } from "../../lti-common/deployments.service.js";
import * as repo from "../lti-consumer.repository.js";
import { LAUNCH_CONTAINERS, type ToolType, type ToolTypeFields } from "../lti-consumer.repository.js";
import {
  type CartridgeConfig,
  type CartridgeDeps,
  loadCartridge,
  looksLikeCartridgeUrl,
  mergeCustomLines,
  probeCartridge,
} from "./cartridge.service.js";
import {
  createLti13Tool,
  findRegistrationOf,
  lti13InputOf,
  parseLti13,
  updateLti13Tool,
  upgradeInputOf,
  upgradeLti11Tool,
} from "./tool-registrations.service.js";

export type { LaunchContainer, ToolType } from "../lti-consumer.repository.js";
export { LAUNCH_CONTAINERS } from "../lti-consumer.repository.js";

export const LAUNCH_CONTAINER_LABELS: Record<repo.LaunchContainer, string> = {
  embed: "Embed",
  embed_no_blocks: "Embed, without blocks",
  window: "New window",
};

/** An http(s) URL, or "" when optional and left empty. */
export const httpUrl = (what: string, optional = true) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .max(2000, `${what} must be at most 2000 characters`)
    .refine((v) => (optional && v === "") || /^https?:\/\/[^\s/]+/i.test(v), {
      message: optional
        ? `${what} must be an http or https URL`
        : `${what} is required (an http or https URL)`,
    })
    .refine((v) => v === "" || URL.canParse(v), { message: `${what} is not a valid URL` });

/** name=value lines, checked line by line. */
export const customLines = z
  .string({ error: "Custom parameters must be text" })
  .max(20_000, "Custom parameters must be at most 20000 characters")
  .transform((v) => v.replace(/\r\n?/g, "\n").trim())
  .superRefine((v, c) => {
    try {
      parseCustomParameterLines(v);
    } catch (err) {
      if (!isLtiError(err)) throw err;
      const line = /line \d+/.exec(err.message)?.[0] ?? "a line";
      c.addIssue({ code: "custom", message: `Custom parameters: ${line} is not name=value` });
    }
  });

const bool = z.boolean({ error: "must be true or false" });

export const toolTypeSchema = z.object({
  name: z
    .string({ error: "Tool name must be text" })
    .trim()
    .max(254, "Tool name must be at most 254 characters")
    .default(""),
  description: z.string().trim().max(5000, "Description must be at most 5000 characters").default(""),
  toolUrl: httpUrl("Tool URL", false),
  consumerKey: z.string().trim().max(255, "Consumer key must be at most 255 characters").default(""),
  sharedSecret: z.string().max(255, "Shared secret must be at most 255 characters").default(""),
  customParameters: customLines.default(""),
  iconUrl: httpUrl("Icon URL").default(""),
  secureIconUrl: httpUrl("Secure icon URL").default(""),
  launchContainer: z
    .enum(LAUNCH_CONTAINERS, { error: "Launch container must be embed, embed_no_blocks or window" })
    .default("embed"),
  shareName: bool.default(true),
  shareEmail: bool.default(true),
  acceptGrades: bool.default(true),
  showInPicker: bool.default(true),
});
export type ToolTypeInput = z.input<typeof toolTypeSchema>;

/** A tool URL's configuration: from its cartridge when it is (or serves) one, else the URL launches as is. */
export async function configureFromUrl(
  url: string,
  deps: CartridgeDeps,
  field: string,
): Promise<CartridgeConfig | undefined> {
  if (looksLikeCartridgeUrl(url)) return loadCartridge(url, deps, field);
  return probeCartridge(url, deps);
}

function pairError(key: string, secret: string, prefix = ""): ValidationError | undefined {
  if ((key === "") === (secret === "")) return undefined;
  const field = key === "" ? "consumerKey" : "sharedSecret";
  const message =
    key === ""
      ? "Enter the consumer key that goes with the shared secret."
      : "Enter the shared secret that goes with the consumer key.";
  return new ValidationError(message, [{ field: `${prefix}${field}`, message }]);
}

async function fieldsFrom(input: unknown, deps: CartridgeDeps): Promise<ToolTypeFields> {
  const v = parseInput(toolTypeSchema, input);
  const pair = pairError(v.consumerKey, v.sharedSecret);
  if (pair) throw pair;
  const c = await configureFromUrl(v.toolUrl, deps, "toolUrl");
  const name = v.name || c?.title || "";
  if (!name) {
    const message = "Tool name is required";
    throw new ValidationError(message, [{ field: "name", message }]);
  }
  return {
    name: name.slice(0, 254),
    description: v.description || c?.description || "",
    baseUrl: v.toolUrl,
    cartridgeUrl: c ? v.toolUrl : null,
    launchUrl: c ? c.launchUrl : v.toolUrl,
    secureLaunchUrl: c?.secureLaunchUrl ?? "",
    ltiVersion: "1.1",
    consumerKey: v.consumerKey,
    sharedSecret: v.sharedSecret,
    iconUrl: v.iconUrl || c?.iconUrl || "",
    secureIconUrl: v.secureIconUrl || c?.secureIconUrl || "",
    customParameters: c ? mergeCustomLines(v.customParameters, c.custom) : v.customParameters,
    launchContainer: v.launchContainer,
    shareName: v.shareName,
    shareEmail: v.shareEmail,
    acceptGrades: v.acceptGrades,
    showInPicker: v.showInPicker,
    vendorCode: c?.vendorCode ?? "",
    vendorName: c?.vendorName ?? "",
  };
}

/** The custom parameter lines, checked and normalised as for an LTI 1.1 tool. */
function checkCustomLines(lines: string): string {
  return parseInput(z.object({ customParameters: customLines }), { customParameters: lines })
    .customParameters;
}

/** "1.1" (also when absent) or "1.3"; anything else is refused. */
function versionOf(input: unknown): "1.1" | "1.3" {
  const v = input && typeof input === "object" ? (input as Record<string, unknown>).ltiVersion : undefined;
  if (v === undefined || v === "" || v === "1.1") return "1.1";
  if (v === "1.3") return "1.3";
  const message = "LTI version must be 1.1 or 1.3";
  throw new ValidationError(message, [{ field: "ltiVersion", message }]);
}

/**
 * Adds a site tool. An LTI 1.3 tool (`ltiVersion: "1.3"`) is registered with a new Client ID and
 * Deployment ID under `platform.issuer` (the site's public URL).
 */
export async function createToolType(
  db: Db,
  clock: Clock,
  deps: CartridgeDeps,
  input: unknown,
  platform?: { issuer: string },
): Promise<ToolType> {
  if (versionOf(input) === "1.3") {
    if (!platform) throw new Error("an LTI 1.3 tool needs the platform's issuer");
    return createLti13Tool(db, clock, await parseLti13(input, checkCustomLines), platform.issuer);
  }
  const f = await fieldsFrom(input, deps);
  const now = iso(clock.now());
  // A site tool is one deployment of Pluto's (lti_deployments), created with it.
  return db.transaction().execute(async (trx) => {
    const t = await repo.insertToolType(trx, f, now);
    await ensureDeployment(trx, { toolTypeId: t.id }, now);
    return t;
  });
}

export async function getToolType(db: Db, id: number): Promise<ToolType> {
  const t = await repo.findToolType(db, id);
  if (!t) throw new NotFoundError("External tool");
  return t;
}

/** The editable fields of a stored tool, in the input shape (for forms and partial API updates). */
export function toolTypeInputOf(t: ToolType): z.output<typeof toolTypeSchema> {
  return {
    name: t.name,
    description: t.description,
    toolUrl: t.baseUrl || t.launchUrl,
    consumerKey: t.consumerKey,
    sharedSecret: t.sharedSecret,
    customParameters: t.customParameters,
    iconUrl: t.iconUrl,
    secureIconUrl: t.secureIconUrl,
    launchContainer: t.launchContainer,
    shareName: t.shareName,
    shareEmail: t.shareEmail,
    acceptGrades: t.acceptGrades,
    showInPicker: t.showInPicker,
  };
}

/** A partial `services` (API PATCH `{"services": {"ags": false}}`) keeps the stored value of the other. */
function mergeServices(stored: unknown, given: unknown): unknown {
  if (given === undefined) return stored;
  if (!given || typeof given !== "object" || Array.isArray(given) || !stored || typeof stored !== "object")
    return given;
  return { ...stored, ...given };
}

/**
 * Replaces a tool's settings; `input` may be partial (API PATCH): missing fields keep their values. An LTI
 * 1.1 tool given `ltiVersion: "1.3"` and the 1.3 fields is upgraded in place (`upgradeLti11Tool`), keeping
 * its consumer key and shared secret; a 1.3 tool cannot go back to 1.1.
 */
export async function updateToolType(
  db: Db,
  clock: Clock,
  deps: CartridgeDeps,
  id: number,
  input: Record<string, unknown>,
  platform?: { issuer: string },
): Promise<ToolType> {
  const existing = await getToolType(db, id);
  const wanted =
    input.ltiVersion === undefined || input.ltiVersion === "" ? existing.ltiVersion : versionOf(input);
  if (existing.ltiVersion === "1.1" && wanted === "1.3") {
    if (!platform) throw new Error("an LTI 1.3 tool needs the platform's issuer");
    const start = upgradeInputOf(existing);
    const v = await parseLti13(
      { ...start, ...input, services: mergeServices(start.services, input.services), ltiVersion: "1.3" },
      checkCustomLines,
    );
    await upgradeLti11Tool(db, clock, existing, v, platform.issuer);
    return getToolType(db, id);
  }
  if (wanted !== existing.ltiVersion) {
    const message = `This tool uses LTI ${existing.ltiVersion}; it cannot go back to LTI ${wanted} (add a new tool instead)`;
    throw new ValidationError(message, [{ field: "ltiVersion", message }]);
  }
  if (existing.ltiVersion === "1.3") {
    const r = await findRegistrationOf(db, id);
    if (!r) throw new NotFoundError("LTI 1.3 registration");
    const stored = lti13InputOf(existing, r);
    const v = await parseLti13(
      { ...stored, ...input, services: mergeServices(stored.services, input.services), ltiVersion: "1.3" },
      checkCustomLines,
    );
    await updateLti13Tool(db, clock, id, v, existing);
    return getToolType(db, id);
  }
  const f = await fieldsFrom({ ...toolTypeInputOf(existing), ...input }, deps);
  await repo.updateToolType(db, id, f, iso(clock.now()));
  return getToolType(db, id);
}

export async function deleteToolType(db: Db, id: number): Promise<void> {
  if (!(await repo.deleteToolType(db, id))) throw new NotFoundError("External tool");
}

export const listToolTypes = repo.listToolTypes;
export const findToolType = repo.findToolType;

/** Host without "www." and path, lower-cased: Moodle's URL thumbprint. */
function thumbprint(url: string): { host: string; path: string } | undefined {
  try {
    const u = new URL(url);
    return {
      host: u.hostname.toLowerCase().replace(/^www\./, ""),
      path: `${u.pathname}${u.search}`.toLowerCase(),
    };
  } catch {
    return undefined;
  }
}

/** The URLs of a site tool that matching and the host rule look at. */
export type ToolUrls = Pick<ToolType, "baseUrl" | "launchUrl" | "secureLaunchUrl">;

/** A URL's origin (scheme, host and port; default ports dropped, host lower-cased), or "" when it has none. */
export function originOf(url: string): string {
  try {
    const o = new URL(url).origin;
    return o === "null" ? "" : o;
  } catch {
    return "";
  }
}

/**
 * Where a site tool launches: the origins of its launch URL and secure launch URL. Its consumer key and shared
 * secret are only ever sent to these; an activity using the tool may choose any path and query there.
 */
export function launchOrigins(t: ToolUrls): string[] {
  return [...new Set([t.launchUrl, t.secureLaunchUrl].map(originOf).filter((o) => o !== ""))];
}

/** The origins a Tool URL typed for a site tool may be on: its launch origins and its cartridge's. */
export function toolUrlOrigins(t: ToolUrls): string[] {
  return [...new Set([...launchOrigins(t), originOf(t.baseUrl)].filter((o) => o !== ""))];
}

/**
 * The site tool whose domain matches `toolUrl` (its tool URL's or launch URL's host, "www." ignored), the
 * closest URL first: one on the same origin (scheme, host, port) before any other, then an exact match, then
 * the longest matching path prefix, then any tool of that domain.
 */
export function matchToolType<T extends ToolUrls>(types: readonly T[], toolUrl: string): T | undefined {
  const target = thumbprint(toolUrl);
  if (!target) return undefined;
  const origin = originOf(toolUrl);
  let best: { t: T; score: number } | undefined;
  for (const t of types) {
    for (const url of [t.baseUrl, t.launchUrl, t.secureLaunchUrl]) {
      const p = url ? thumbprint(url) : undefined;
      if (!p || p.host !== target.host) continue;
      const path = p.path === target.path ? 3000 : target.path.startsWith(p.path) ? 1000 + p.path.length : 1;
      const score = (originOf(url) === origin ? 10_000 : 0) + path;
      if (!best || score > best.score) best = { t, score };
    }
  }
  return best?.t;
}
