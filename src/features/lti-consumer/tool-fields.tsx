// Form fields shared by the External tool activity form and the site-wide tool form.
import { type Errors, Select, TextField } from "../../views/forms.js";
import { LAUNCH_CONTAINER_LABELS, LAUNCH_CONTAINERS } from "./tool-types.service.js";

export function IconUrlFields({
  iconUrl,
  secureIconUrl,
  errors,
}: {
  iconUrl: string;
  secureIconUrl: string;
  errors: Errors;
}) {
  return (
    <>
      <TextField
        name="iconUrl"
        label="Icon URL"
        type="url"
        value={iconUrl}
        errors={errors}
        maxLength={2000}
      />
      <TextField
        name="secureIconUrl"
        label="Secure icon URL"
        type="url"
        value={secureIconUrl}
        errors={errors}
        maxLength={2000}
      />
    </>
  );
}

export function LaunchContainerField({
  label,
  value,
  errors,
}: {
  label: string;
  value: string;
  errors: Errors;
}) {
  return (
    <Select
      name="launchContainer"
      label={label}
      value={value}
      errors={errors}
      options={LAUNCH_CONTAINERS.map((c) => ({ value: c, label: LAUNCH_CONTAINER_LABELS[c] }))}
    />
  );
}
