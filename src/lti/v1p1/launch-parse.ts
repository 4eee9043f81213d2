// The provider half of the LTI 1.1 basic launch: reading a (verified) launch into a typed value.
// LTI 1.1 Implementation Guide §4; conformance cases 1–16. Verify the OAuth signature with oauth.ts first.
import { MessageError, ParameterError } from "../errors.js";
import {
  isDocumentTarget,
  isLti11Version,
  LTI11_MESSAGE_TYPES,
  type Lti11Version,
} from "../vocab/messages.js";
import { isInstructorRole, isLearnerRole, parseRoles } from "../vocab/roles.js";
import type { LaunchContext, LaunchPerson, LaunchPresentation, ToolConsumerInfo } from "./launch.js";
import { type ParamInput, toParamList } from "./oauth-encoding.js";

export interface Lti11Launch {
  messageType: typeof LTI11_MESSAGE_TYPES.basicLaunch;
  version: Lti11Version;
  consumerKey: string;
  resourceLink: { id: string; title?: string; description?: string };
  /** Absent for an anonymous launch (case 5). */
  userId?: string;
  /** The `roles` entries, trimmed, empty ones dropped (case 6). */
  roles: string[];
  /** Instructor, Administrator, ContentDeveloper or TeachingAssistant, short or URN form (vocab/roles.ts). */
  isInstructor: boolean;
  isLearner: boolean;
  person: LaunchPerson;
  context?: LaunchContext;
  /** Present only when both the outcome service URL and the sourcedid were sent (case 14). */
  outcome?: { serviceUrl: string; sourcedId: string };
  /** Present only when both the memberships URL and id were sent (case 15). */
  memberships?: { url: string; id: string };
  presentation: LaunchPresentation;
  toolConsumer: ToolConsumerInfo;
  /** custom_* parameters, by name without the "custom_" prefix. */
  custom: Record<string, string>;
  /** ext_* parameters, by full name. */
  extensions: Record<string, string>;
  /** Every non-oauth parameter as received. */
  params: Record<string, string>;
  /** Hints that were malformed and ignored (cases 9, 11): worth a log line, not a failed launch. */
  warnings: string[];
}

const MAX_ID = 255;
const MAX_SOURCEDID = 1024;
const MAX_URL = 2048;

/** An absolute http(s) URL, or undefined. */
function httpUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.length > MAX_URL) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a basic launch. Throws missing_parameter for an absent `lti_message_type`, `lti_version`,
 * `resource_link_id` (empty or blank counts as absent, case 3) or `oauth_consumer_key`;
 * unsupported_message_type / unsupported_version for values other than basic-lti-launch-request and
 * LTI-1p0 / LTI-1p2; invalid_parameter for a repeated parameter or an over-long identifier. Optional values
 * that are empty are treated as absent; malformed hints are dropped with a warning.
 */
export function parseLaunch(input: ParamInput): Lti11Launch {
  const params: Record<string, string> = {};
  for (const [name, value] of toParamList(input)) {
    if (Object.hasOwn(params, name))
      throw new ParameterError("invalid_parameter", name, "sent more than once");
    params[name] = value;
  }
  const opt = (name: string): string | undefined => {
    const v = Object.hasOwn(params, name) ? params[name] : undefined;
    return v === undefined || v.trim() === "" ? undefined : v;
  };
  const req = (name: string): string => {
    const v = opt(name);
    if (v === undefined) throw new ParameterError("missing_parameter", name);
    return v;
  };
  const id = (name: string, v: string, max = MAX_ID): string => {
    if (v.length > max) throw new ParameterError("invalid_parameter", name, `longer than ${max} characters`);
    return v;
  };

  // Case 1: "If lti_message_type is missing or not one we handle: REJECT".
  const messageType = req("lti_message_type");
  if (messageType !== LTI11_MESSAGE_TYPES.basicLaunch) {
    throw new MessageError("unsupported_message_type", "lti_message_type", messageType);
  }
  // Case 2: lti_version must be present; LTI-1p0 (1.0, 1.1, 1.1.1) or LTI-1p2.
  const version = req("lti_version");
  if (!isLti11Version(version)) throw new MessageError("unsupported_version", "lti_version", version);
  const resourceLinkId = id("resource_link_id", req("resource_link_id"));
  const consumerKey = id("oauth_consumer_key", req("oauth_consumer_key"));
  const warnings: string[] = [];

  const roles = parseRoles(opt("roles"));
  const userId = opt("user_id");
  const contextId = opt("context_id");
  const outcomeUrl = opt("lis_outcome_service_url");
  const sourcedId = opt("lis_result_sourcedid");
  const membershipsUrl = opt("ext_ims_lis_memberships_url");
  const membershipsId = opt("ext_ims_lis_memberships_id");

  const launch: Lti11Launch = {
    messageType,
    version,
    consumerKey,
    resourceLink: clean({
      id: resourceLinkId,
      title: opt("resource_link_title"),
      description: opt("resource_link_description"),
    }),
    roles,
    isInstructor: isInstructorRole(roles),
    isLearner: isLearnerRole(roles),
    person: clean({
      givenName: opt("lis_person_name_given"),
      familyName: opt("lis_person_name_family"),
      fullName: opt("lis_person_name_full"),
      email: opt("lis_person_contact_email_primary"),
      sourcedId: opt("lis_person_sourcedid"),
    }),
    presentation: {},
    toolConsumer: clean({
      instanceGuid: opt("tool_consumer_instance_guid"),
      instanceName: opt("tool_consumer_instance_name"),
      instanceDescription: opt("tool_consumer_instance_description"),
      instanceUrl: opt("tool_consumer_instance_url"),
      instanceContactEmail: opt("tool_consumer_instance_contact_email"),
      productFamilyCode: opt("tool_consumer_info_product_family_code"),
      version: opt("tool_consumer_info_version"),
    }),
    custom: {},
    extensions: {},
    params: {},
    warnings,
  };
  if (userId !== undefined) launch.userId = id("user_id", userId);
  if (contextId !== undefined) {
    launch.context = clean({
      id: id("context_id", contextId),
      title: opt("context_title"),
      label: opt("context_label"),
      type: opt("context_type"),
    });
  }
  if (outcomeUrl !== undefined && sourcedId !== undefined) {
    const serviceUrl = httpUrl(outcomeUrl);
    if (serviceUrl === undefined)
      warnings.push("lis_outcome_service_url is not an http(s) URL; grades disabled");
    else launch.outcome = { serviceUrl, sourcedId: id("lis_result_sourcedid", sourcedId, MAX_SOURCEDID) };
  }
  if (membershipsUrl !== undefined && membershipsId !== undefined) {
    const url = httpUrl(membershipsUrl);
    if (url === undefined) warnings.push("ext_ims_lis_memberships_url is not an http(s) URL; ignored");
    else launch.memberships = { url, id: id("ext_ims_lis_memberships_id", membershipsId, MAX_SOURCEDID) };
  }
  launch.presentation = presentation(opt, warnings);

  for (const [name, value] of Object.entries(params)) {
    if (name.startsWith("oauth_")) continue;
    launch.params[name] = value;
    if (name.startsWith("custom_")) launch.custom[name.slice("custom_".length)] = value;
    else if (name.startsWith("ext_")) launch.extensions[name] = value;
  }
  return launch;
}

function presentation(opt: (name: string) => string | undefined, warnings: string[]): LaunchPresentation {
  const p: LaunchPresentation = {};
  const locale = opt("launch_presentation_locale");
  if (locale !== undefined) {
    // A BCP 47-ish tag; Moodle sends "en", Canvas "en-AU", some send "en_US".
    if (/^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/.test(locale)) p.locale = locale;
    else warnings.push("launch_presentation_locale is malformed; ignored");
  }
  const target = opt("launch_presentation_document_target");
  if (target !== undefined) {
    // Case 9: a hint; unknown values are ignored (and logged), not a failed launch.
    if (isDocumentTarget(target)) p.documentTarget = target;
    else warnings.push(`launch_presentation_document_target ${JSON.stringify(target)} is unknown; ignored`);
  }
  const returnUrl = opt("launch_presentation_return_url");
  if (returnUrl !== undefined) {
    const url = httpUrl(returnUrl);
    if (url === undefined) warnings.push("launch_presentation_return_url is not an http(s) URL; ignored");
    else p.returnUrl = url;
  }
  for (const [name, key] of [
    ["launch_presentation_width", "width"],
    ["launch_presentation_height", "height"],
  ] as const) {
    const v = opt(name);
    if (v === undefined) continue;
    if (/^[0-9]{1,5}$/.test(v)) p[key] = Number(v);
    else warnings.push(`${name} is not a number; ignored`);
  }
  const css = httpUrl(opt("launch_presentation_css_url"));
  if (css !== undefined) p.cssUrl = css;
  return p;
}

/** Drops undefined members, so optional fields are absent rather than present-and-undefined. */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * The URL to send the user back to, with `lti_msg`/`lti_log` (success) or `lti_errormsg`/`lti_errorlog`
 * (failure) added and any query already on it kept (case 10).
 */
export function buildReturnUrl(
  returnUrl: string,
  messages: { lti_msg?: string; lti_log?: string; lti_errormsg?: string; lti_errorlog?: string },
): string {
  const u = new URL(returnUrl);
  for (const [k, v] of Object.entries(messages)) if (v !== undefined && v !== "") u.searchParams.append(k, v);
  return u.toString();
}
