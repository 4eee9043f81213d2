// LTI 1.1 custom parameters: name normalisation and substitution variables.
// LTI 1.1 Implementation Guide §3 (custom parameters) and Appendix C (variable substitution); conformance
// cases 16, 18 and vector V5.
import { ParameterError } from "../errors.js";

/**
 * The launch parameter name for a custom parameter: "custom_" + the name lower-cased with every character
 * that is not a letter or digit replaced by "_". V5: `Complex!@#$^*(){}[]KEY` → `custom_complex____________key`.
 * Names keep their original form in storage and cartridges (case 69); this runs at launch time only.
 */
export function customParameterName(name: string): string {
  return `custom_${name.toLowerCase().replace(/[^a-z0-9]/g, "_")}`;
}

/**
 * Parses the `name=value` lines a user types (one per line, split at the first "="; blank lines skipped;
 * names trimmed, values kept as typed apart from a trailing CR). A line without "=" or with an empty name
 * is an invalid_parameter error naming the line.
 */
export function parseCustomParameterLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split("\n").forEach((rawLine, i) => {
    const line = rawLine.replace(/\r$/, "");
    if (line.trim() === "") return;
    const eq = line.indexOf("=");
    const name = eq < 0 ? "" : line.slice(0, eq).trim();
    if (name === "")
      throw new ParameterError("invalid_parameter", "customParameters", `line ${i + 1}: expected name=value`);
    out[name] = line.slice(eq + 1);
  });
  return out;
}

/** The inverse of parseCustomParameterLines, for showing stored parameters in a form. */
export function formatCustomParameterLines(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

/**
 * Substitution variables a consumer can expand (LTI 1.1 Appendix C and the LTI 1.3 list), by name with the
 * leading "$". A consumer supplies the values it has in a map keyed by these names.
 */
export const SUBSTITUTION_VARIABLES = [
  "$User.id",
  "$User.username",
  "$User.image",
  "$Person.sourcedId",
  "$Person.name.full",
  "$Person.name.family",
  "$Person.name.given",
  "$Person.email.primary",
  "$Person.address.country",
  "$Person.address.locality",
  "$Person.address.timezone",
  "$Context.id",
  "$Context.title",
  "$Context.label",
  "$Context.type",
  "$Context.id.history",
  "$CourseOffering.sourcedId",
  "$CourseOffering.label",
  "$CourseOffering.title",
  "$CourseSection.sourcedId",
  "$CourseSection.label",
  "$CourseSection.title",
  "$CourseSection.longDescription",
  "$CourseSection.timeFrame.begin",
  "$CourseSection.timeFrame.end",
  "$Membership.role",
  "$ResourceLink.id",
  "$ResourceLink.title",
  "$ResourceLink.description",
  "$ResourceLink.id.history",
  "$Result.sourcedId",
  "$BasicOutcome.url",
  "$ToolConsumerProfile.url",
  "$ToolConsumerInstance.guid",
  "$ToolConsumerInstance.name",
  "$Message.locale",
] as const;
export type SubstitutionVariable = (typeof SUBSTITUTION_VARIABLES)[number];
export type Substitutions = Readonly<
  Partial<Record<SubstitutionVariable | (string & {}), string | undefined>>
>;

/**
 * Expands a custom parameter value. A value that is exactly a variable name ("$User.id") is replaced by
 * the supplied value; a variable without a value, or one we do not know, is sent unchanged as the literal
 * "$Name" so the tool can see it was not substituted (cases 18 and 214). Other values are sent as is.
 */
export function substitute(value: string, substitutions: Substitutions): string {
  if (!value.startsWith("$")) return value;
  const replacement = substitutions[value];
  return replacement === undefined ? value : replacement;
}

/** Custom parameters as launch parameters: names normalised, values substituted. */
export function customLaunchParams(
  custom: Readonly<Record<string, string>>,
  substitutions: Substitutions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(custom)) {
    out[customParameterName(name)] = substitute(value, substitutions);
  }
  return out;
}
