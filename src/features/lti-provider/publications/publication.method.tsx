// "Publish as LTI tool" as an enrolment method: its form (sections "Publish as LTI tool",
// "Remote system", "User default values"), its settings, and the publication kept in step. The LTI
// version decides only how the remote system reaches the instance: the Legacy LTI (1.1) secret fields
// are hidden for LTI Advantage (server-side; public/pluto.js follows the select), every other setting
// is the same for both.
import type { AppContext } from "../../../app/context.js";
import { Checkbox, type Errors, Fieldset, Select, TextField } from "../../../views/forms.js";
import { listCourseActivities } from "../../activities/activities.service.js";
import { roleOptions } from "../../enrolments/enrol-form.views.js";
import type { EnrolFormProps, EnrolMethod } from "../../enrolments/enrol-methods.js";
import {
  defaultLtiVersion,
  generateSecret,
  LTI_VERSIONS,
  type LtiVersion,
  MEMBER_SYNC_MODES,
  parseApiSettings,
  parseFormSettings,
  settingsOf,
} from "./publication.settings.js";
import { findPublicationByInstance, publishedDetails, syncPublication } from "./publications.service.js";

const YES_NO = [
  { value: "1", label: "Yes" },
  { value: "0", label: "No" },
];

function str(values: Record<string, unknown>, key: string, fallback: string): string {
  const v = values[key];
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") return String(v);
  return fallback;
}

/** The version a new instance's form starts at: LTI Advantage only with an Active platform (see loadFormData). */
function newInstanceVersion(p: EnrolFormProps): LtiVersion {
  return p.data.defaultLtiVersion === "1.3" ? "1.3" : "1.1";
}

/** Form values from either a rejected submit (form names) or stored settings (API names). */
function formValues(p: EnrolFormProps) {
  const v = p.values;
  if ("tool" in v) return v;
  const s = settingsOf(v);
  return {
    // A new instance starts at the site's default (defaultLtiVersion, given by loadFormData).
    ltiVersion: p.instance || v.ltiVersion !== undefined ? s.ltiVersion : newInstanceVersion(p),
    tool: s.publish === "activity" && s.activityId ? String(s.activityId) : "course",
    // A new instance shows its secret at once (to copy to the consumer before saving).
    secret: p.instance ? s.secret : generateSecret(),
    gradeSync: s.gradeSync ? "1" : "0",
    gradeSyncCompletion: s.gradeSyncCompletion ? "1" : "0",
    memberSync: s.memberSync ? "1" : "0",
    memberSyncMode: s.memberSyncMode,
    roleInstructor: s.roleInstructor,
    defaults_country: s.defaults.country,
    defaults_city: s.defaults.city,
    defaults_timezone: s.defaults.timezone,
    defaults_lang: s.defaults.lang,
    defaults_institution: s.defaults.institution,
  };
}

function FormLayout(p: EnrolFormProps) {
  const v = formValues(p);
  const errors: Errors = p.errors;
  const activities = (p.data.activities as Array<{ id: number; name: string }> | undefined) ?? [];
  const secret = str(v, "secret", "");
  const version = str(v, "ltiVersion", newInstanceVersion(p));
  const legacy = version === "1.1";
  return (
    <>
      <Fieldset legend="Publish as LTI tool">
        {p.common.name}
        <Select
          name="tool"
          label="Tool to be published"
          value={str(v, "tool", "course")}
          errors={errors}
          options={[
            { value: "course", label: "Course" },
            ...activities.map((a) => ({ value: String(a.id), label: a.name })),
          ]}
          help="The whole course, or one activity of it."
        />
        <Select
          name="ltiVersion"
          label="LTI version"
          value={version}
          errors={errors}
          options={LTI_VERSIONS}
          help="LTI Advantage: the platform is registered under Site admin → Integrations → LTI Advantage platforms, and no secret is shared. Legacy LTI (1.1): the consumer signs launches with a consumer key and the secret below."
        />
        {p.common.enrolPeriod}
        {p.common.enrolStart}
        {p.common.enrolEnd}
        {p.common.maxEnrolled}
        <Select
          name="roleInstructor"
          label="Role for instructor"
          value={str(v, "roleInstructor", "editingteacher")}
          errors={errors}
          options={roleOptions(p.roleChoices("roleInstructor"))}
          help="Given to users the consumer launches as Instructor, Administrator, ContentDeveloper or TeachingAssistant."
        />
        {p.common.role}
        {p.common.status}
      </Fieldset>
      <Fieldset legend="Remote system">
        <fieldset data-lti-version="1.1" hidden={!legacy}>
          <legend>Legacy LTI (1.1)</legend>
          <TextField
            name="secret"
            label="Secret"
            value={secret}
            maxLength={128}
            errors={errors}
            help={
              secret
                ? "Share this secret with the LTI consumer. It is also shown under Course admin → Published as LTI tools."
                : "Leave empty to generate a random secret of 40 letters and digits."
            }
          />
          {p.instance ? (
            <Checkbox
              name="regenerateSecret"
              label="Generate a new secret"
              help="The consumer must then be given the new secret."
            />
          ) : null}
        </fieldset>
        <fieldset data-lti-version="1.3" hidden={legacy}>
          <legend>LTI Advantage</legend>
          <p class="help">
            No secret: the platform signs each launch with its own keys. After saving, Course admin →
            Published as LTI tools shows the launch URL, the deep linking URL and the custom parameter that
            selects this instance.
          </p>
        </fieldset>
        <Select
          name="gradeSync"
          label="Send grades back"
          value={str(v, "gradeSync", "1")}
          errors={errors}
          options={YES_NO}
          help="Send each user's grade to the consumer's gradebook."
        />
        <Select
          name="gradeSyncCompletion"
          label="Grade synchronisation completion required"
          value={str(v, "gradeSyncCompletion", "0")}
          errors={errors}
          options={YES_NO}
          help="Send a grade only once the user has completed the course or the published activity."
        />
        <Select
          name="memberSync"
          label="User synchronisation"
          value={str(v, "memberSync", "0")}
          errors={errors}
          options={YES_NO}
          help={
            '"Yes": a scheduled task synchronises the consumer\'s members. "No": users are synchronised when they access the tool.'
          }
        />
        <Select
          name="memberSyncMode"
          label="User synchronisation mode"
          value={str(v, "memberSyncMode", "enrol_and_unenrol")}
          errors={errors}
          options={MEMBER_SYNC_MODES}
        />
      </Fieldset>
      <Fieldset legend="User default values">
        <p class="help">Applied to every new user created through this enrolment method.</p>
        <TextField
          name="defaults_country"
          label="Country"
          value={str(v, "defaults_country", "")}
          maxLength={2}
          errors={errors}
          help="Two-letter code, e.g. GB."
        />
        <TextField
          name="defaults_city"
          label="City/town"
          value={str(v, "defaults_city", "")}
          maxLength={120}
          errors={errors}
        />
        <TextField
          name="defaults_timezone"
          label="Timezone"
          value={str(v, "defaults_timezone", "")}
          maxLength={100}
          errors={errors}
          help="e.g. Europe/London"
        />
        <TextField
          name="defaults_lang"
          label="Preferred language"
          value={str(v, "defaults_lang", "")}
          maxLength={30}
          errors={errors}
          help="e.g. en"
        />
        <TextField
          name="defaults_institution"
          label="Institution"
          value={str(v, "defaults_institution", "")}
          maxLength={255}
          errors={errors}
        />
      </Fieldset>
    </>
  );
}

export const ltiEnrolMethod: EnrolMethod = {
  key: "lti",
  label: "Publish as LTI tool",
  multiple: true,
  commonLabels: { role: "Role for learner", name: "Custom instance name" },
  FormLayout,
  rolesOf: (settings) => {
    const s = settingsOf(settings);
    return { roleInstructor: s.roleInstructor, roleLearner: s.roleLearner };
  },
  loadFormData: async (ctx: AppContext, courseId: number) => ({
    defaultLtiVersion: await defaultLtiVersion(ctx),
    activities: (await listCourseActivities(ctx.db, courseId, { includeHidden: true })).map((a) => ({
      id: a.id,
      name: a.name,
    })),
  }),
  parseForm: async (body, ctx, courseId, existing) => ({
    ...(await parseFormSettings(ctx, courseId, body, existing ? settingsOf(existing.settings) : undefined)),
  }),
  parseApi: async (body, ctx, courseId, existing) => ({
    ...(await parseApiSettings(ctx, courseId, body, existing ? settingsOf(existing.settings) : undefined)),
  }),
  notCopied:
    "A published tool is not copied: its consumer key and secret belong to the original course. Publish the copy anew to give it its own.",
  onCreate: (trx, ctx, instance) => syncPublication(trx, ctx, instance),
  onUpdate: (trx, ctx, instance) => syncPublication(trx, ctx, instance),
  present: async (ctx, instance) => {
    if (!(await findPublicationByInstance(ctx.db, instance.id))) return {};
    const d = await publishedDetails(ctx, instance, true);
    const { secret: _secret, ...s } = settingsOf(instance.settings);
    if (d.ltiVersion === "1.3")
      return {
        ...s,
        version: d.version,
        launchUrl: d.launchUrl,
        initiateLoginUrl: d.initiateLoginUrl,
        deepLinkingUrl: d.deepLinkingUrl,
        publicKeysetUrl: d.publicKeysetUrl,
        redirectUris: d.redirectUris,
        customParameters: d.customParameters,
      };
    return {
      ...s,
      version: d.version,
      cartridgeUrl: d.cartridgeUrl,
      launchUrl: d.launchUrl,
      secret: d.secret,
    };
  },
};
