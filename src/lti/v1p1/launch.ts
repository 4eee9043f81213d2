// The LTI 1.1 basic launch message (`basic-lti-launch-request`): what a consumer sends (buildLaunchParams)
// and what a provider reads (parseLaunch). LTI 1.1 Implementation Guide §3–4; conformance cases 1–20.
// Signing and verifying are oauth.ts's job; the launch here is the parameter set only.
import { type DocumentTarget, LTI11_MESSAGE_TYPES, type Lti11Version } from "../vocab/messages.js";
import { customLaunchParams, type Substitutions } from "./custom-params.js";

export interface LaunchPerson {
  givenName?: string;
  familyName?: string;
  fullName?: string;
  email?: string;
  /** lis_person_sourcedid */
  sourcedId?: string;
}

export interface LaunchContext {
  id: string;
  title?: string;
  label?: string;
  type?: string;
}

export interface LaunchPresentation {
  locale?: string;
  documentTarget?: DocumentTarget;
  returnUrl?: string;
  width?: number;
  height?: number;
  cssUrl?: string;
}

export interface ToolConsumerInfo {
  instanceGuid?: string;
  instanceName?: string;
  instanceDescription?: string;
  instanceUrl?: string;
  instanceContactEmail?: string;
  productFamilyCode?: string;
  version?: string;
}

/** What a consumer knows about one launch. Leave out what privacy settings withhold. */
export interface LaunchInput {
  version?: Lti11Version;
  resourceLink: { id: string; title?: string; description?: string };
  /** The launching user; omit for an anonymous launch. `roles` is a ready `roles` value or a list. */
  user?: { id: string; roles: string | readonly string[] } & LaunchPerson;
  context?: LaunchContext;
  /** Basic Outcomes: only for learners on graded links (case 19). */
  outcome?: { serviceUrl: string; sourcedId: string };
  /** The LTI 1.1 memberships extension (ext_ims_lis_memberships_url and _id). */
  memberships?: { url: string; id: string };
  presentation?: LaunchPresentation;
  toolConsumer?: ToolConsumerInfo;
  /** Custom parameters by their original names; normalised and substituted here. */
  custom?: Readonly<Record<string, string>>;
  /** Values for substitution variables, over those derived from this input ($User.id, $Context.id, …). */
  substitutions?: Substitutions;
  /** Extension parameters, sent as given (names should start with "ext_"). */
  extensions?: Readonly<Record<string, string>>;
}

function put(out: Record<string, string>, name: string, value: string | number | undefined): void {
  if (value !== undefined && value !== "") out[name] = String(value);
}

/** Substitution values this launch itself provides; caller-supplied ones take precedence. */
function derivedSubstitutions(input: LaunchInput): Record<string, string | undefined> {
  const u = input.user;
  return {
    "$User.id": u?.id,
    "$Person.sourcedId": u?.sourcedId,
    "$Person.name.full": u?.fullName,
    "$Person.name.family": u?.familyName,
    "$Person.name.given": u?.givenName,
    "$Person.email.primary": u?.email,
    "$Context.id": input.context?.id,
    "$Context.title": input.context?.title,
    "$Context.label": input.context?.label,
    "$Context.type": input.context?.type,
    "$ResourceLink.id": input.resourceLink.id,
    "$ResourceLink.title": input.resourceLink.title,
    "$ResourceLink.description": input.resourceLink.description,
    "$Result.sourcedId": input.outcome?.sourcedId,
    "$BasicOutcome.url": input.outcome?.serviceUrl,
    "$ToolConsumerInstance.guid": input.toolConsumer?.instanceGuid,
    "$ToolConsumerInstance.name": input.toolConsumer?.instanceName,
    "$Message.locale": input.presentation?.locale,
  };
}

/**
 * The parameters of a basic launch, unsigned (sign them with signRequest and post exactly those). Includes
 * `oauth_callback=about:blank` (case 17), which is signed like any other protocol parameter.
 */
export function buildLaunchParams(input: LaunchInput): Record<string, string> {
  const out: Record<string, string> = {};
  const subs: Substitutions = { ...derivedSubstitutions(input), ...input.substitutions };
  // Extensions first, so the defined parameters below always win over a clashing extension name.
  for (const [k, v] of Object.entries(input.extensions ?? {})) put(out, k, v);
  Object.assign(out, customLaunchParams(input.custom ?? {}, subs));
  out.lti_message_type = LTI11_MESSAGE_TYPES.basicLaunch;
  out.lti_version = input.version ?? "LTI-1p0";
  out.resource_link_id = input.resourceLink.id;
  put(out, "resource_link_title", input.resourceLink.title);
  put(out, "resource_link_description", input.resourceLink.description);
  const u = input.user;
  if (u) {
    out.user_id = u.id;
    put(out, "roles", typeof u.roles === "string" ? u.roles : u.roles.join(","));
    put(out, "lis_person_name_given", u.givenName);
    put(out, "lis_person_name_family", u.familyName);
    put(out, "lis_person_name_full", u.fullName);
    put(out, "lis_person_contact_email_primary", u.email);
    put(out, "lis_person_sourcedid", u.sourcedId);
  }
  const c = input.context;
  if (c) {
    out.context_id = c.id;
    put(out, "context_title", c.title);
    put(out, "context_label", c.label);
    put(out, "context_type", c.type);
  }
  if (input.outcome) {
    out.lis_outcome_service_url = input.outcome.serviceUrl;
    out.lis_result_sourcedid = input.outcome.sourcedId;
  }
  if (input.memberships) {
    out.ext_ims_lis_memberships_url = input.memberships.url;
    out.ext_ims_lis_memberships_id = input.memberships.id;
  }
  const p = input.presentation ?? {};
  put(out, "launch_presentation_locale", p.locale);
  put(out, "launch_presentation_document_target", p.documentTarget);
  put(out, "launch_presentation_return_url", p.returnUrl);
  put(out, "launch_presentation_width", p.width);
  put(out, "launch_presentation_height", p.height);
  put(out, "launch_presentation_css_url", p.cssUrl);
  const tc = input.toolConsumer ?? {};
  put(out, "tool_consumer_instance_guid", tc.instanceGuid);
  put(out, "tool_consumer_instance_name", tc.instanceName);
  put(out, "tool_consumer_instance_description", tc.instanceDescription);
  put(out, "tool_consumer_instance_url", tc.instanceUrl);
  put(out, "tool_consumer_instance_contact_email", tc.instanceContactEmail);
  put(out, "tool_consumer_info_product_family_code", tc.productFamilyCode);
  put(out, "tool_consumer_info_version", tc.version);
  out.oauth_callback = "about:blank";
  return out;
}

// The provider half lives in launch-parse.ts (kept apart for size); import either from here.
export { buildReturnUrl, type Lti11Launch, parseLaunch } from "./launch-parse.js";
