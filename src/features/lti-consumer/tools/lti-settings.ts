// The settings of an External tool activity (stored in activities.settings): what the form and the API take,
// what `prepare` adds from the cartridge and the site tools, and how a launch resolves the tool to use.
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { parseCustomParameterLines } from "../../../lti/v1p1/custom-params.js";
import { type FieldError, ValidationError } from "../../../shared/errors.js";
import type { CartridgeDeps } from "./cartridge.service.js";
import { mergeCustomLines } from "./cartridge.service.js";
import {
  configureFromUrl,
  customLines,
  findToolType,
  httpUrl,
  LAUNCH_CONTAINERS,
  type LaunchContainer,
  listToolTypes,
  matchToolType,
  type ToolType,
} from "./tool-types.service.js";

export const DEFAULT_MAX_GRADE = 100;

/** What the form and `POST /api/v1/courses/{id}/activities` take for type "lti". */
export const ltiSettingsSchema = z.object({
  toolUrl: httpUrl("Tool URL").default(""),
  toolTypeId: z
    .number({ error: "Preconfigured tool must be a tool id or null" })
    .int()
    .positive()
    .max(2_147_483_647)
    .nullable()
    .default(null),
  consumerKey: z
    .string({ error: "Consumer key must be text" })
    .trim()
    .max(255, "Consumer key must be at most 255 characters")
    .default(""),
  sharedSecret: z
    .string({ error: "Shared secret must be text" })
    .max(255, "Shared secret must be at most 255 characters")
    .default(""),
  customParameters: customLines.default(""),
  iconUrl: httpUrl("Icon URL").default(""),
  secureIconUrl: httpUrl("Secure icon URL").default(""),
  launchContainer: z
    .enum(LAUNCH_CONTAINERS, { error: "Launch container must be embed, embed_no_blocks or window" })
    .optional(),
  shareName: z.boolean({ error: "shareName must be true or false" }).optional(),
  shareEmail: z.boolean({ error: "shareEmail must be true or false" }).optional(),
  acceptGrades: z.boolean({ error: "acceptGrades must be true or false" }).optional(),
  maxGrade: z
    .number({ error: "Maximum grade must be a number" })
    .finite("Maximum grade must be a number")
    .positive("Maximum grade must be more than 0")
    .max(1_000_000, "Maximum grade must be at most 1000000")
    .default(DEFAULT_MAX_GRADE),
});

/** Settings as stored: the input with every default filled in and what `prepare` derived. */
export interface LtiSettings extends Record<string, unknown> {
  toolUrl: string;
  toolTypeId: number | null;
  consumerKey: string;
  sharedSecret: string;
  customParameters: string;
  iconUrl: string;
  secureIconUrl: string;
  launchContainer?: LaunchContainer;
  shareName?: boolean;
  shareEmail?: boolean;
  acceptGrades?: boolean;
  maxGrade: number;
  /** Derived: the launch URL (the cartridge's, or the tool URL itself). */
  launchUrl?: string;
  secureLaunchUrl?: string;
  /** Derived: the cartridge the tool URL pointed at, and what it said. */
  cartridgeUrl?: string | null;
  toolName?: string;
  description?: string;
  vendorName?: string;
}

const text = z.string().catch("");
const stored = z.object({
  toolUrl: text,
  toolTypeId: z.number().int().positive().nullable().catch(null),
  consumerKey: text,
  sharedSecret: text,
  customParameters: text,
  iconUrl: text,
  secureIconUrl: text,
  launchContainer: z.enum(LAUNCH_CONTAINERS).catch("embed"),
  shareName: z.boolean().catch(true),
  shareEmail: z.boolean().catch(true),
  acceptGrades: z.boolean().catch(true),
  maxGrade: z.number().positive().catch(DEFAULT_MAX_GRADE),
  launchUrl: text,
  secureLaunchUrl: text,
  cartridgeUrl: z.string().nullable().catch(null),
  toolName: text,
  description: text,
  vendorName: text,
});
export type StoredLtiSettings = z.output<typeof stored>;

/** Reads stored settings defensively (an old or hand-edited row still launches with defaults). */
export function readLtiSettings(raw: unknown): StoredLtiSettings {
  return stored.parse(raw && typeof raw === "object" ? raw : {});
}

export function ltiMaxGrade(settings: Partial<LtiSettings>): number | null {
  return settings.acceptGrades === false ? null : (settings.maxGrade ?? DEFAULT_MAX_GRADE);
}

function fieldError(field: string, message: string): FieldError {
  return { field, message };
}

export function cartridgeDeps(ctx: AppContext): CartridgeDeps {
  return { allow: ctx.config.outboundAllow };
}

/**
 * Completes the settings before they are saved: checks the preconfigured tool, reads the cartridge behind the
 * tool URL, fills launch container and privacy from the tool's defaults, and refuses a tool that would have
 * no consumer key or shared secret at launch (neither the activity nor a matching site tool supplies them).
 */
export async function prepareLtiSettings(ctx: AppContext, s: LtiSettings): Promise<LtiSettings> {
  const errors: FieldError[] = [];
  let type: ToolType | undefined;
  if (s.toolTypeId !== null) {
    type = await findToolType(ctx.db, s.toolTypeId);
    if (!type) errors.push(fieldError("toolTypeId", "The selected preconfigured tool does not exist."));
    else if (s.toolUrl === "" && !type.launchUrl && !type.secureLaunchUrl) {
      errors.push(fieldError("toolUrl", "The preconfigured tool has no launch URL: enter the tool URL."));
    }
  } else if (s.toolUrl === "") {
    errors.push(
      fieldError("toolUrl", "Enter the tool URL (or cartridge URL), or choose a preconfigured tool."),
    );
  }
  if (errors.length) throw new ValidationError(errors.map((e) => e.message).join(" "), errors);

  const c = s.toolUrl ? await configureFromUrl(s.toolUrl, cartridgeDeps(ctx), "toolUrl") : undefined;
  const launchUrl = c ? c.launchUrl : s.toolUrl;
  const secureLaunchUrl = c ? c.secureLaunchUrl : "";
  if (!type) type = matchToolType(await listToolTypes(ctx.db), launchUrl || secureLaunchUrl || s.toolUrl);

  const ownKey = s.consumerKey !== "";
  const ownSecret = s.sharedSecret !== "";
  const supplied = !!type && type.consumerKey !== "" && type.sharedSecret !== "";
  if (ownKey !== ownSecret || (!ownKey && !supplied)) {
    const why = supplied ? "" : ": no site-wide tool supplies one for this tool URL";
    if (!ownKey) errors.push(fieldError("consumerKey", `Enter the consumer key${why}.`));
    if (!ownSecret) errors.push(fieldError("sharedSecret", `Enter the shared secret${why}.`));
    throw new ValidationError(errors.map((e) => e.message).join(" "), errors);
  }
  return {
    ...s,
    launchUrl,
    secureLaunchUrl,
    cartridgeUrl: c ? s.toolUrl : null,
    toolName: c?.title || type?.name || "",
    description: c?.description ?? "",
    vendorName: c?.vendorName ?? "",
    iconUrl: s.iconUrl || c?.iconUrl || "",
    secureIconUrl: s.secureIconUrl || c?.secureIconUrl || "",
    customParameters: c ? mergeCustomLines(s.customParameters, c.custom) : s.customParameters,
    launchContainer: s.launchContainer ?? type?.launchContainer ?? "embed",
    shareName: s.shareName ?? type?.shareName ?? true,
    shareEmail: s.shareEmail ?? type?.shareEmail ?? true,
    acceptGrades: s.acceptGrades ?? type?.acceptGrades ?? true,
  };
}

/** The tool a launch (or a service call) uses: where to post, with which key and secret, which custom params. */
export interface ResolvedTool {
  launchUrl: string;
  consumerKey: string;
  sharedSecret: string;
  custom: Record<string, string>;
  toolType: ToolType | undefined;
}

const safeCustom = (lines: string) => {
  try {
    return parseCustomParameterLines(lines);
  } catch {
    return {};
  }
};

/**
 * Resolves the activity's tool now (site tools may have changed since it was saved): its own credentials, else
 * those of its preconfigured tool, else of the site tool whose domain matches its URL. The secure launch URL is
 * used when Pluto itself is served over https (case 20). Site tool custom parameters win over the activity's,
 * as in Moodle (they are the admin's).
 */
export async function resolveTool(ctx: AppContext, s: StoredLtiSettings): Promise<ResolvedTool> {
  const own = s.consumerKey !== "" && s.sharedSecret !== "";
  let type = s.toolTypeId !== null ? await findToolType(ctx.db, s.toolTypeId) : undefined;
  const url = s.launchUrl || s.toolUrl;
  if (!type && !own) type = matchToolType(await listToolTypes(ctx.db), url || s.secureLaunchUrl);
  const plain = url || type?.launchUrl || "";
  const secure = s.launchUrl || s.toolUrl ? s.secureLaunchUrl : (type?.secureLaunchUrl ?? "");
  const https = ctx.config.publicUrl.startsWith("https:");
  return {
    launchUrl: secure && (https || !plain) ? secure : plain,
    consumerKey: own ? s.consumerKey : (type?.consumerKey ?? ""),
    sharedSecret: own ? s.sharedSecret : (type?.sharedSecret ?? ""),
    custom: { ...safeCustom(s.customParameters), ...safeCustom(type?.customParameters ?? "") },
    toolType: type,
  };
}

/**
 * Pluto's deployment of the tool an activity launches: the activity's own when it carries its own key
 * and secret (also when it has none: nothing can then be verified against it), else its site tool's.
 */
export function toolDeploymentOf(
  activityId: number,
  s: StoredLtiSettings,
  tool: ResolvedTool,
): { activityId: number } | { toolTypeId: number } {
  const own = s.consumerKey !== "" && s.sharedSecret !== "";
  return !own && tool.toolType ? { toolTypeId: tool.toolType.id } : { activityId };
}
