// The common fields of the enrolment method form, rendered one by one so a method's own layout
// can place them (e.g. inside "Publish as LTI tool").
import { Checkbox, type Errors, Select, TextField } from "../../views/forms.js";
import { ROLE_NAMES, type Role } from "../roles/capabilities.js";
import type { CommonFormValues } from "./enrol-form.js";
import type { CommonFieldName, CommonFieldNodes, EnrolMethod } from "./enrol-methods.js";

export const DEFAULT_COMMON_LABELS: Readonly<Record<CommonFieldName, string>> = {
  name: "Name",
  status: "Status",
  enrolPeriod: "Enrolment period",
  enrolStart: "Enrolment start",
  enrolEnd: "Enrolment end",
  maxEnrolled: "Maximum enrolled users",
  role: "Default role",
};

/** The options of a role drop-down offering `roles`. */
export const roleOptions = (roles: readonly Role[]) => roles.map((r) => ({ value: r, label: ROLE_NAMES[r] }));

/** "Enable enrolment period": the checkbox that turns an optional setting on. */
const enableLabel = (legend: string) => `Enable ${legend.charAt(0).toLowerCase()}${legend.slice(1)}`;

function DateGroup(p: {
  legend: string;
  name: "enrolStart" | "enrolEnd";
  enabled: boolean;
  value: string;
  errors: Errors;
  help: string;
  timeZone: string;
}) {
  return (
    <fieldset class="field-group">
      <legend>{p.legend}</legend>
      <Checkbox name={`${p.name}Enabled`} label={enableLabel(p.legend)} checked={p.enabled} />
      <TextField
        name={p.name}
        label={`${p.legend}: date and time (${p.timeZone})`}
        type="datetime-local"
        value={p.value}
        errors={p.errors}
        help={p.help}
      />
    </fieldset>
  );
}

/**
 * The common fields; the role drop-down offers `roles` (EnrolFormProps.roleChoices("role")); the dates
 * are wall-clock times in `timeZone`, which their labels name.
 */
export function renderCommonFields(
  method: EnrolMethod,
  values: CommonFormValues,
  errors: Errors,
  roles: readonly Role[],
  timeZone: string,
): CommonFieldNodes {
  const label = { ...DEFAULT_COMMON_LABELS, ...method.commonLabels };
  return {
    name: (
      <TextField
        name="name"
        label={label.name}
        value={values.name}
        maxLength={254}
        errors={errors}
        help={`Leave empty to use "${method.label}".`}
      />
    ),
    status: (
      <Select
        name="status"
        label={label.status}
        value={values.status}
        errors={errors}
        options={[
          { value: "enabled", label: "Enabled" },
          { value: "disabled", label: "Disabled" },
        ]}
        help="A disabled method enrols nobody, and users enrolled through it lose access until it is enabled again."
      />
    ),
    enrolPeriod: (
      <fieldset class="field-group">
        <legend>{label.enrolPeriod}</legend>
        <Checkbox
          name="enrolPeriodEnabled"
          label={enableLabel(label.enrolPeriod)}
          checked={values.enrolPeriodEnabled}
        />
        <div class="inline-fields">
          <TextField
            name="enrolPeriod"
            label="Duration"
            type="number"
            min={0}
            step="any"
            value={values.enrolPeriod}
            errors={errors}
          />
          <Select
            name="enrolPeriodUnit"
            label="Unit"
            value={values.enrolPeriodUnit}
            errors={errors}
            options={[
              { value: "hours", label: "hours" },
              { value: "days", label: "days" },
              { value: "weeks", label: "weeks" },
            ]}
          />
        </div>
        <p class="help">How long each enrolment lasts, counted from the moment the user is enrolled.</p>
      </fieldset>
    ),
    enrolStart: (
      <DateGroup
        legend={label.enrolStart}
        name="enrolStart"
        enabled={values.enrolStartEnabled}
        value={values.enrolStart}
        errors={errors}
        timeZone={timeZone}
        help="Users can be enrolled only from this time."
      />
    ),
    enrolEnd: (
      <DateGroup
        legend={label.enrolEnd}
        name="enrolEnd"
        enabled={values.enrolEndEnabled}
        value={values.enrolEnd}
        errors={errors}
        timeZone={timeZone}
        help="Users can be enrolled only until this time."
      />
    ),
    maxEnrolled: (
      <TextField
        name="maxEnrolled"
        label={label.maxEnrolled}
        type="number"
        min={0}
        step="1"
        value={values.maxEnrolled}
        errors={errors}
        help="0 means unlimited."
      />
    ),
    role: (
      <Select
        name="role"
        label={label.role}
        value={values.role}
        errors={errors}
        options={roleOptions(roles)}
      />
    ),
  };
}
