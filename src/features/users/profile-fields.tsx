// The profile fields shared by the admin user form and the user's own profile page.
import { type Errors, Select, TextField } from "../../views/forms.js";
import type { User } from "./users.service.js";

export const PROFILE_FIELDS = [
  "email",
  "firstname",
  "lastname",
  "country",
  "city",
  "timezone",
  "lang",
  "institution",
] as const;

export type FormValues = Partial<Record<string, string>>;

/** The string values of a user, for pre-filling a form. */
export function userFormValues(u: User): FormValues {
  return {
    username: u.username,
    email: u.email,
    firstname: u.firstname,
    lastname: u.lastname,
    country: u.country,
    city: u.city,
    timezone: u.timezone,
    lang: u.lang,
    institution: u.institution,
    auth: u.auth,
  };
}

/** What the user typed, to show again after a refused submission (never passwords). */
export function submittedValues(body: unknown, keep: readonly string[]): FormValues {
  const out: FormValues = {};
  if (body && typeof body === "object") {
    for (const k of keep) {
      const v = (body as Record<string, unknown>)[k];
      if (typeof v === "string") out[k] = v.slice(0, 300);
    }
  }
  return out;
}

let zones: { value: string; label: string }[] | undefined;
function timeZoneOptions(current: string | undefined, siteTimeZone: string) {
  zones ??= Intl.supportedValuesOf("timeZone").map((z) => ({ value: z, label: z }));
  const extra =
    current && !zones.some((z) => z.value === current) ? [{ value: current, label: current }] : [];
  return [{ value: "", label: `Site default (${siteTimeZone})` }, ...zones, ...extra];
}

/** The profile fields; an empty time zone means the site's, `siteTimeZone`. */
export function ProfileFields({
  values,
  errors,
  siteTimeZone,
}: {
  values: FormValues;
  errors: Errors;
  siteTimeZone: string;
}) {
  return (
    <>
      <TextField
        name="firstname"
        label="First name"
        value={values.firstname}
        maxLength={100}
        errors={errors}
        autocomplete="given-name"
      />
      <TextField
        name="lastname"
        label="Last name"
        value={values.lastname}
        maxLength={100}
        errors={errors}
        autocomplete="family-name"
      />
      <TextField
        name="email"
        label="Email address"
        type="email"
        value={values.email}
        maxLength={254}
        errors={errors}
        autocomplete="email"
      />
      <TextField
        name="country"
        label="Country"
        value={values.country}
        maxLength={2}
        errors={errors}
        help="Two-letter ISO code, for example GB or BR"
        autocomplete="country"
      />
      <TextField name="city" label="City/town" value={values.city} maxLength={120} errors={errors} />
      <Select
        name="timezone"
        label="Timezone"
        value={values.timezone ?? ""}
        options={timeZoneOptions(values.timezone, siteTimeZone)}
        errors={errors}
        help="Dates and times are shown, and read in forms, in this time zone."
      />
      <TextField
        name="lang"
        label="Preferred language"
        value={values.lang}
        maxLength={30}
        errors={errors}
        help="A language code such as en, fr or pt_br"
      />
      <TextField
        name="institution"
        label="Institution"
        value={values.institution}
        maxLength={255}
        errors={errors}
        autocomplete="organization"
      />
    </>
  );
}
