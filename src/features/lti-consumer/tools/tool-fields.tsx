// The fields of an external tool, written once for the two forms that edit one: the External tool activity
// (lti-activity.tsx) and the site-wide tool (tool-types.views.tsx). Each form lists the fields it shows, in
// its order, with what it says differently (help, label, required); the control, its limits and its label
// live here.
import { Checkbox, type Errors, Select, TextArea, TextField } from "../../../views/forms.js";
import { PUBLIC_KEY_TYPE_LABELS, PUBLIC_KEY_TYPES } from "./tool-registrations.service.js";
import { LAUNCH_CONTAINER_LABELS, LAUNCH_CONTAINERS } from "./tool-types.service.js";

type Control =
  | {
      control: "text";
      type?: "url" | "password" | "number";
      maxLength?: number;
      autocomplete?: string;
      min?: number;
      step?: string;
    }
  | { control: "textarea"; rows: number }
  | { control: "select"; options: ReadonlyArray<{ value: string; label: string }> }
  | { control: "checkbox" };

const TOOL_FIELDS = {
  name: { label: "Tool name", control: "text", maxLength: 254 },
  description: { label: "Tool description", control: "textarea", rows: 3 },
  toolUrl: { label: "Tool URL", control: "text", type: "url", maxLength: 2000 },
  consumerKey: { label: "Consumer key", control: "text", maxLength: 255, autocomplete: "off" },
  sharedSecret: {
    label: "Shared secret",
    control: "text",
    type: "password",
    maxLength: 255,
    autocomplete: "new-password",
  },
  customParameters: { label: "Custom parameters", control: "textarea", rows: 4 },
  iconUrl: { label: "Icon URL", control: "text", type: "url", maxLength: 2000 },
  secureIconUrl: { label: "Secure icon URL", control: "text", type: "url", maxLength: 2000 },
  launchContainer: {
    label: "Launch container",
    control: "select",
    options: LAUNCH_CONTAINERS.map((c) => ({ value: c, label: LAUNCH_CONTAINER_LABELS[c] })),
  },
  showInPicker: { label: "Show in the content picker", control: "checkbox" },
  shareName: { label: "Share launcher's name with the tool", control: "checkbox" },
  shareEmail: { label: "Share launcher's email with the tool", control: "checkbox" },
  acceptGrades: { label: "Accept grades from the tool", control: "checkbox" },
  maxGrade: { label: "Maximum grade", control: "text", type: "number", step: "any", min: 0 },
  ltiVersion: {
    label: "LTI version",
    control: "select",
    options: [
      { value: "1.1", label: "LTI 1.1" },
      { value: "1.3", label: "LTI 1.3" },
    ],
  },
  initiateLoginUrl: { label: "Initiate login URL", control: "text", type: "url", maxLength: 2000 },
  redirectUris: { label: "Redirection URI(s)", control: "textarea", rows: 3 },
  publicKeyType: {
    label: "Public key type",
    control: "select",
    options: PUBLIC_KEY_TYPES.map((k) => ({ value: k, label: PUBLIC_KEY_TYPE_LABELS[k] })),
  },
  publicKeysetUrl: { label: "Public keyset URL", control: "text", type: "url", maxLength: 2000 },
  publicKey: { label: "Public key", control: "textarea", rows: 6 },
  deepLinking: { label: "Supports Deep Linking", control: "checkbox" },
  deepLinkingUrl: { label: "Content selection URL", control: "text", type: "url", maxLength: 2000 },
  serviceAgs: { label: "IMS LTI Assignment and Grade Services", control: "checkbox" },
  serviceNrps: { label: "IMS LTI Names and Role Provisioning", control: "checkbox" },
} satisfies Record<string, { label: string } & Control>;

export type ToolFieldName = keyof typeof TOOL_FIELDS;

/** A field as one form shows it: by name, or with that form's own help, label or required mark. */
export type ToolFieldUse =
  | ToolFieldName
  | { name: ToolFieldName; help?: string; label?: string; required?: boolean; disabled?: boolean };

/** Text fields take strings, checkboxes booleans. */
export type ToolFieldValues = Partial<Record<ToolFieldName, string | boolean>>;

/** The privacy checkboxes, the same in both forms. */
export const PRIVACY_FIELDS: readonly ToolFieldUse[] = ["shareName", "shareEmail", "acceptGrades"];

function ToolField({ use, values, errors }: { use: ToolFieldUse; values: ToolFieldValues; errors: Errors }) {
  const { name, ...own } = typeof use === "string" ? { name: use } : use;
  const spec: { label: string } & Control = TOOL_FIELDS[name];
  const label = own.label ?? spec.label;
  const value = values[name];
  switch (spec.control) {
    case "checkbox":
      return (
        <Checkbox
          name={name}
          label={label}
          checked={value === true}
          help={own.help}
          errors={errors}
          disabled={own.disabled}
        />
      );
    case "textarea":
      return (
        <TextArea
          name={name}
          label={label}
          value={typeof value === "string" ? value : ""}
          errors={errors}
          rows={spec.rows}
          help={own.help}
        />
      );
    case "select":
      return (
        <Select
          name={name}
          label={label}
          value={typeof value === "string" ? value : ""}
          errors={errors}
          options={spec.options}
          help={own.help}
        />
      );
    case "text":
      return (
        <TextField
          name={name}
          label={label}
          type={spec.type}
          value={typeof value === "string" ? value : ""}
          errors={errors}
          required={own.required}
          maxLength={spec.maxLength}
          autocomplete={spec.autocomplete}
          min={spec.min}
          step={spec.step}
          help={own.help}
        />
      );
  }
}

/** The listed fields, in order. */
export function ToolFields({
  fields,
  values,
  errors,
}: {
  fields: readonly ToolFieldUse[];
  values: ToolFieldValues;
  errors: Errors;
}) {
  return (
    <>
      {fields.map((use) => (
        <ToolField key={typeof use === "string" ? use : use.name} use={use} values={values} errors={errors} />
      ))}
    </>
  );
}
