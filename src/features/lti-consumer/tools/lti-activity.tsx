// The "External tool" activity type: its fields in the shared add/edit form (with the "Show more" section of
// the guide), its settings checks, and its page (the tool embedded, or a button for a new window).
import { h } from "preact";
import { formatCustomParameterLines } from "../../../lti/v1p1/custom-params.js";
import { type Errors, Fieldset, Select } from "../../../views/forms.js";
import { renderPage } from "../../../views/html.js";
import type { ActivityType } from "../../activities/activity-types.js";
import { formNumber } from "../../activities/types/form-values.js";
import { FullWidthActivityPage, ToolLaunchArea } from "../launch/launch.views.js";
import {
  type LtiSettings,
  ltiMaxGrade,
  ltiSettingsSchema,
  PRIVACY_FLAGS,
  type Privacy,
  prepareLtiSettings,
  privacyCeilingMessage,
  readLtiSettings,
} from "./lti-settings.js";
import { ToolFields, type ToolFieldUse } from "./tool-fields.js";
import { registrationsByToolType } from "./tool-registrations.service.js";
import { listToolTypes, matchToolType, type ToolUrls } from "./tool-types.service.js";

/** What the form knows of a site tool: its name, where it launches, and its privacy ceiling (no secrets). */
export type FormToolType = { id: number; name: string; deepLinking?: boolean } & ToolUrls & Privacy;

export const AUTOMATIC_LABEL = "Automatic, based on tool URL";

const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");

/** The form fields of an activity type become raw settings; settingsSchema checks them afterwards. */
function settingsFromForm(body: Record<string, unknown>): unknown {
  const typeId = str(body.toolTypeId).trim();
  return {
    toolUrl: str(body.toolUrl),
    toolTypeId: typeId === "" || typeId === "0" ? null : /^\d+$/.test(typeId) ? Number(typeId) : typeId,
    consumerKey: str(body.consumerKey),
    sharedSecret: str(body.sharedSecret),
    customParameters: str(body.customParameters),
    iconUrl: str(body.iconUrl),
    secureIconUrl: str(body.secureIconUrl),
    launchContainer: str(body.launchContainer) || undefined,
    shareName: body.shareName === "1",
    shareEmail: body.shareEmail === "1",
    acceptGrades: body.acceptGrades === "1",
    maxGrade: formNumber(body.maxGrade),
    // Kept as the tool gave it (a Deep Linking item's text); not edited in the form.
    description: str(body.description) || undefined,
  };
}

/**
 * What the form shows: stored settings (editing), the submitted body (coming back with errors: marked by the
 * hidden ltiForm field, so an unticked box stays unticked), or a preset from the content picker (strings).
 */
function fieldValues(s: Record<string, unknown>) {
  const submitted = s.ltiForm === "1";
  const flag = (k: string) =>
    typeof s[k] === "boolean" ? (s[k] as boolean) : submitted ? s[k] === "1" : s[k] !== "0";
  const custom = s.customParameters;
  return {
    toolTypeId: s.toolTypeId === null || s.toolTypeId === undefined ? "" : str(s.toolTypeId),
    toolUrl: str(s.toolUrl),
    consumerKey: str(s.consumerKey),
    sharedSecret: str(s.sharedSecret),
    customParameters:
      custom && typeof custom === "object"
        ? formatCustomParameterLines(custom as Record<string, string>)
        : str(custom),
    iconUrl: str(s.iconUrl),
    secureIconUrl: str(s.secureIconUrl),
    launchContainer: str(s.launchContainer) || "embed",
    shareName: flag("shareName"),
    shareEmail: flag("shareEmail"),
    acceptGrades: flag("acceptGrades"),
    maxGrade: str(s.maxGrade) || "100",
  };
}

const TOOL_URL_HELP =
  "The tool's launch URL, or its Cartridge URL: Pluto then reads the launch URL, icon, custom parameters and title from the cartridge.";
const MAX_GRADE_HELP = "The grade a score of 1.0 from the tool is worth, when grades are accepted.";

/** Behind "Show more", before the privacy settings. */
const MORE: readonly ToolFieldUse[] = [
  {
    name: "consumerKey",
    help: "Agreed with the tool provider; it can be anything short, but not empty. Leave it empty for a preconfigured tool: the site administrator's is used.",
  },
  {
    name: "sharedSecret",
    help: "The secret the tool provider gave you. Leave it empty for a preconfigured tool.",
  },
  {
    name: "customParameters",
    help: "One name=value per line; values such as $User.id or $Context.id are filled in at launch.",
  },
  "iconUrl",
  "secureIconUrl",
  "launchContainer",
];

/** A problem with one of these opens "Show more". */
const MORE_FIELDS = MORE.map((use) => (typeof use === "string" ? use : use.name)) as readonly string[];
const PRIVACY_FIELD_NAMES: readonly string[] = PRIVACY_FLAGS;

/**
 * The site tool whose privacy settings bound the form's: the preconfigured tool chosen, else (no key and
 * secret of the activity's own) the one its URL matches, as a save and a launch decide (lti-settings.ts).
 */
function siteToolOf(
  v: ReturnType<typeof fieldValues>,
  launchUrl: string,
  types: readonly FormToolType[],
): FormToolType | undefined {
  if (v.toolTypeId !== "") return types.find((t) => String(t.id) === v.toolTypeId);
  if (v.consumerKey !== "" && v.sharedSecret !== "") return undefined;
  return matchToolType(types, launchUrl || v.toolUrl);
}

export function LtiSettingsFields({
  settings,
  errors,
  toolTypes,
}: {
  settings: Record<string, unknown>;
  errors: Errors;
  toolTypes: readonly FormToolType[];
}) {
  const v = fieldValues(settings);
  const site = siteToolOf(v, str(settings.launchUrl), toolTypes);
  // A box the site tool does not allow is shown off and disabled, with why (a disabled box is not sent).
  const privacy: ToolFieldUse[] = PRIVACY_FLAGS.map((name) => {
    if (!site || site[name]) return name;
    v[name] = false;
    return { name, disabled: true, help: privacyCeilingMessage(name, site) };
  });
  const pickerTools = toolTypes.filter((t) => t.deepLinking);
  const pickerTool = pickerTools.find((t) => String(t.id) === v.toolTypeId);
  const open =
    (errors ?? []).some((e) => MORE_FIELDS.includes(e.field) || PRIVACY_FIELD_NAMES.includes(e.field)) ||
    undefined;
  return (
    <>
      <input type="hidden" name="ltiForm" value="1" />
      {str(settings.description) !== "" ? (
        <input type="hidden" name="description" value={str(settings.description)} />
      ) : null}
      <Select
        name="toolTypeId"
        label="Preconfigured tool"
        value={v.toolTypeId}
        errors={errors}
        options={[
          { value: "", label: AUTOMATIC_LABEL },
          ...toolTypes.map((t) => ({ value: String(t.id), label: t.name })),
        ]}
        help="A tool set up by the site administrator, or automatic: the tool URL decides (a site-wide tool on the same host lends its consumer key and secret when you leave them empty). A site-wide tool's key and secret go only to its own host, and its privacy settings are the most an activity may share."
      />
      {pickerTools.length > 0 ? (
        <p data-lti-deep-linking-tools={pickerTools.map((t) => t.id).join(" ")} hidden={!pickerTool}>
          <button
            type="submit"
            class="secondary"
            formAction="select-content"
            formTarget="_blank"
            formNoValidate
            data-lti-select-content=""
          >
            Select content
          </button>{" "}
          <span class="help">
            Opens the tool to pick content: each item you pick becomes an activity in this section (on an
            existing activity, the one link you pick replaces its link).
          </span>
          {/* The picker in a dialog, and the button shown for the chosen tool (without JavaScript: in a new
          window, and the button only for the tool the form was opened with). */}
          <script src="/static/lti-deep-linking.js" defer />
        </p>
      ) : null}
      <ToolFields values={v} errors={errors} fields={[{ name: "toolUrl", help: TOOL_URL_HELP }]} />
      <details class="show-more" open={open}>
        <summary>Show more</summary>
        <ToolFields values={v} errors={errors} fields={MORE} />
        <Fieldset legend="Privacy">
          <ToolFields values={v} errors={errors} fields={privacy} />
        </Fieldset>
      </details>
      <ToolFields values={v} errors={errors} fields={[{ name: "maxGrade", help: MAX_GRADE_HELP }]} />
    </>
  );
}

export const externalToolType: ActivityType<LtiSettings> = {
  type: "lti",
  label: "External tool",
  description: "A learning tool from another site (LTI), shown inside the course; it can send grades back.",
  gradable: true,
  settingsSchema: ltiSettingsSchema,
  settingsFromForm,
  prepare: (ctx, _courseId, settings) => prepareLtiSettings(ctx, settings),
  maxGrade: (settings) => ltiMaxGrade(settings),
  defaultName: (settings) => settings.toolName || undefined,
  formData: async (ctx) => {
    const registrations = await registrationsByToolType(ctx.db);
    return {
      toolTypes: (await listToolTypes(ctx.db)).map(
        (t): FormToolType => ({
          id: t.id,
          name: t.name,
          deepLinking: (() => {
            const r = registrations.get(t.id);
            return (
              t.ltiVersion === "1.3" && !!r?.deepLinking && r.deepLinkingUrl !== "" && r.status === "active"
            );
          })(),
          baseUrl: t.baseUrl,
          launchUrl: t.launchUrl,
          secureLaunchUrl: t.secureLaunchUrl,
          shareName: t.shareName,
          shareEmail: t.shareEmail,
          acceptGrades: t.acceptGrades,
        }),
      ),
    };
  },
  pickerEntries: async (ctx) =>
    (await listToolTypes(ctx.db))
      .filter((t) => t.showInPicker)
      .map((t) => ({
        label: t.name,
        description: t.description || "A site-wide external tool.",
        params: {
          toolTypeId: String(t.id),
          launchContainer: t.launchContainer,
          shareName: t.shareName ? "1" : "0",
          shareEmail: t.shareEmail ? "1" : "0",
          acceptGrades: t.acceptGrades ? "1" : "0",
        },
      })),
  SettingsFields: ({ settings, errors, data }) => (
    <LtiSettingsFields
      settings={settings}
      errors={errors}
      toolTypes={(data as { toolTypes?: FormToolType[] } | undefined)?.toolTypes ?? []}
    />
  ),
  view: async ({ reply, pc, course, activity, canManage, caps }) => {
    const settings = readLtiSettings(activity.settings);
    const canLaunch = canManage || caps.has("activity:participate");
    const area = h(ToolLaunchArea, {
      activityId: activity.id,
      name: activity.name,
      settings,
      canLaunch,
      canManage,
    });
    if (settings.launchContainer !== "embed_no_blocks") return area;
    const page = h(FullWidthActivityPage, {
      pc,
      course,
      caps,
      activityId: activity.id,
      name: activity.name,
      canManage,
      children: area,
    });
    reply.status(200).type("text/html; charset=utf-8").send(renderPage(page));
    await reply;
    return null;
  },
};
