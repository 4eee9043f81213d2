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
  launchOrigins,
  listToolTypes,
  matchToolType,
  originOf,
  type ToolType,
  toolUrlOrigins,
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
  /** The tool's description of the link (a Deep Linking item's text); a cartridge's description wins. */
  description: z.string({ error: "Description must be text" }).max(5000).optional(),
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

/** The privacy settings: a site tool's are a ceiling, an activity using it may only turn them off. */
export const PRIVACY_FLAGS = ["shareName", "shareEmail", "acceptGrades"] as const;
export type PrivacyFlag = (typeof PRIVACY_FLAGS)[number];
export type Privacy = Record<PrivacyFlag, boolean>;

const PRIVACY_LABELS: Record<PrivacyFlag, string> = {
  shareName: "Share launcher's name with the tool",
  shareEmail: "Share launcher's email with the tool",
  acceptGrades: "Accept grades from the tool",
};

/** Why a privacy box is off for an activity using `tool` (the form's help and the save refusal say it). */
export function privacyCeilingMessage(flag: PrivacyFlag, tool: { name: string }): string {
  return `${PRIVACY_LABELS[flag]}: the site-wide tool "${tool.name}" does not allow it (set by the site administrator), so it stays off.`;
}

/**
 * Whether an activity with these settings uses `type`'s consumer key and shared secret: always when it chose
 * the tool as its preconfigured tool, and, when it matched the tool by URL, unless it has a key and secret of
 * its own (it is then a tool of the teacher's, which the site tool only lends its defaults).
 */
function usesSiteTool(s: { toolTypeId: number | null; consumerKey: string; sharedSecret: string }): boolean {
  return s.toolTypeId !== null || s.consumerKey === "" || s.sharedSecret === "";
}

const hasCredentials = (t: ToolType) => t.consumerKey !== "" && t.sharedSecret !== "";

/** The problem with a URL an activity using site tool `type` names, or undefined when it is on the tool's host. */
function hostProblem(type: ToolType, url: string, origins: string[], automatic: boolean): string | undefined {
  if (url === "" || origins.includes(originOf(url))) return undefined;
  const where = origins.join(" or ");
  const own = automatic ? " Enter a consumer key and shared secret of your own to use another host." : "";
  return `The Tool URL must be on ${where}, where the site-wide tool "${type.name}" launches: its consumer key and shared secret are sent nowhere else.${own}`;
}

/**
 * Completes the settings before they are saved: checks the preconfigured tool, reads the cartridge behind the
 * tool URL, fills launch container and privacy from the tool's defaults, and refuses a tool that would have
 * no consumer key or shared secret at launch (neither the activity nor a matching site tool supplies them).
 * An activity that uses a site tool (chosen, or matched by URL without a key of its own) must name URLs on
 * that tool's origins only, takes the tool's key and secret (a key or secret of its own is refused when it
 * chose the tool), and may only narrow the tool's privacy: asking for more is refused on that field.
 */
export async function prepareLtiSettings(ctx: AppContext, s: LtiSettings): Promise<LtiSettings> {
  const errors: FieldError[] = [];
  const refuse = () => {
    throw new ValidationError(errors.map((e) => e.message).join(" "), errors);
  };
  let type: ToolType | undefined;
  if (s.toolTypeId !== null) {
    type = await findToolType(ctx.db, s.toolTypeId);
    if (!type) errors.push(fieldError("toolTypeId", "The selected preconfigured tool does not exist."));
    else if (s.toolUrl === "" && !type.launchUrl && !type.secureLaunchUrl) {
      errors.push(fieldError("toolUrl", "The preconfigured tool has no launch URL: enter the tool URL."));
    } else {
      // Checked before the tool URL is read: a cartridge elsewhere is not fetched.
      const host = hostProblem(type, s.toolUrl, toolUrlOrigins(type), false);
      if (host) errors.push(fieldError("toolUrl", host));
      // A tool without a key and secret of its own leaves them to each activity.
      const admin = `the preconfigured tool "${type.name}" uses the one its site administrator set.`;
      // An LTI 1.3 tool launches with its registration: no key and secret at all.
      const supplies = hasCredentials(type) || type.ltiVersion === "1.3";
      if (supplies && s.consumerKey !== "")
        errors.push(fieldError("consumerKey", `Leave the consumer key empty: ${admin}`));
      if (supplies && s.sharedSecret !== "")
        errors.push(fieldError("sharedSecret", `Leave the shared secret empty: ${admin}`));
    }
  } else if (s.toolUrl === "") {
    errors.push(
      fieldError("toolUrl", "Enter the tool URL (or cartridge URL), or choose a preconfigured tool."),
    );
  }
  if (errors.length) refuse();

  const c = s.toolUrl ? await configureFromUrl(s.toolUrl, cartridgeDeps(ctx), "toolUrl") : undefined;
  const launchUrl = c ? c.launchUrl : s.toolUrl;
  const secureLaunchUrl = c ? c.secureLaunchUrl : "";
  const automatic = !type;
  if (!type) type = matchToolType(await listToolTypes(ctx.db), launchUrl || secureLaunchUrl || s.toolUrl);

  const ownKey = s.consumerKey !== "";
  const ownSecret = s.sharedSecret !== "";
  // A chosen LTI 1.3 site tool launches with its registration (lti13-launch.service.ts).
  const supplied = !!type && (hasCredentials(type) || (!automatic && type.ltiVersion === "1.3"));
  if (ownKey !== ownSecret || (!ownKey && !supplied)) {
    const why = supplied ? "" : ": no site-wide tool supplies one for this tool URL";
    if (!ownKey) errors.push(fieldError("consumerKey", `Enter the consumer key${why}.`));
    if (!ownSecret) errors.push(fieldError("sharedSecret", `Enter the shared secret${why}.`));
    refuse();
  }
  const site = type && usesSiteTool(s) ? type : undefined;
  if (site) {
    const host =
      hostProblem(site, s.toolUrl, toolUrlOrigins(site), automatic) ??
      hostProblem(site, launchUrl, launchOrigins(site), automatic) ??
      hostProblem(site, secureLaunchUrl, launchOrigins(site), automatic);
    if (host) errors.push(fieldError("toolUrl", host));
    for (const flag of PRIVACY_FLAGS) {
      if (s[flag] === true && !site[flag]) errors.push(fieldError(flag, privacyCeilingMessage(flag, site)));
    }
    if (errors.length) refuse();
  }
  return {
    ...s,
    launchUrl,
    secureLaunchUrl,
    cartridgeUrl: c ? s.toolUrl : null,
    toolName: c?.title || type?.name || "",
    description: c?.description || s.description || "",
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
  /** The launch uses the site tool's key and secret (false: the activity's own, or none). */
  siteTool: boolean;
  /** What the launch and the services may share and take: the activity's settings within its site tool's. */
  privacy: Privacy;
  /** Why the tool must not be launched with these credentials (they are then empty). */
  refusal?: { reason: "tool_url_mismatch"; message: string };
}

const safeCustom = (lines: string) => {
  try {
    return parseCustomParameterLines(lines);
  } catch {
    return {};
  }
};

/**
 * Resolves the activity's tool now (site tools may have changed since it was saved). An activity that chose a
 * site tool, or has no key and secret of its own and matches one by URL, uses that tool's key and secret (a
 * key of its own stored before this rule is ignored; a tool without one leaves the activity's own in use),
 * within that tool's privacy settings as they are now; its
 * launch URL must be on one of the tool's launch origins, else the credentials are withheld and `refusal` says
 * why. Any other activity uses its own key and secret and privacy settings. The secure launch URL is used when
 * Pluto itself is served over https (case 20). Site tool custom parameters win over the activity's, as in
 * Moodle (they are the admin's).
 */
export async function resolveTool(ctx: AppContext, s: StoredLtiSettings): Promise<ResolvedTool> {
  const own = s.consumerKey !== "" && s.sharedSecret !== "";
  let type = s.toolTypeId !== null ? await findToolType(ctx.db, s.toolTypeId) : undefined;
  const url = s.launchUrl || s.toolUrl;
  if (s.toolTypeId === null && !own)
    type = matchToolType(await listToolTypes(ctx.db), url || s.secureLaunchUrl);
  const site = type && usesSiteTool(s) ? type : undefined;
  const plain = url || type?.launchUrl || "";
  const secure = url ? s.secureLaunchUrl : (type?.secureLaunchUrl ?? "");
  const https = ctx.config.publicUrl.startsWith("https:");
  const privacy = {
    shareName: s.shareName && (site?.shareName ?? true),
    shareEmail: s.shareEmail && (site?.shareEmail ?? true),
    acceptGrades: s.acceptGrades && (site?.acceptGrades ?? true),
  };
  const siteKey = site && hasCredentials(site) ? site : undefined;
  const resolved: ResolvedTool = {
    launchUrl: secure && (https || !plain) ? secure : plain,
    consumerKey: siteKey ? siteKey.consumerKey : own ? s.consumerKey : "",
    sharedSecret: siteKey ? siteKey.sharedSecret : own ? s.sharedSecret : "",
    custom: { ...safeCustom(s.customParameters), ...safeCustom(type?.customParameters ?? "") },
    toolType: type,
    siteTool: !!siteKey,
    privacy,
  };
  const origins = site ? launchOrigins(site) : [];
  const elsewhere = [url, url ? s.secureLaunchUrl : ""].find((u) => u && !origins.includes(originOf(u)));
  if (site && elsewhere) {
    return {
      ...resolved,
      consumerKey: "",
      sharedSecret: "",
      refusal: {
        reason: "tool_url_mismatch",
        message: `This external tool's URL is not on ${origins.join(" or ")}, where its site-wide tool "${site.name}" launches, so it is not launched: that tool's key and secret go nowhere else. A teacher of the course can correct the tool URL.`,
      },
    };
  }
  return resolved;
}

/** The activity's maximum grade now, or null when it accepts no grades (its own setting, within its site tool's). */
export function effectiveMaxGrade(tool: ResolvedTool, s: StoredLtiSettings): number | null {
  return tool.privacy.acceptGrades ? s.maxGrade : null;
}

/**
 * Pluto's deployment of the tool an activity launches: its site tool's when it uses that tool's key and
 * secret, else the activity's own (also when it has none: nothing can then be verified against it).
 */
export function toolDeploymentOf(
  activityId: number,
  tool: ResolvedTool,
): { activityId: number } | { toolTypeId: number } {
  return tool.siteTool && tool.toolType ? { toolTypeId: tool.toolType.id } : { activityId };
}
