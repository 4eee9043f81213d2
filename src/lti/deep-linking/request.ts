// The platform's LtiDeepLinkingRequest: the claims that make an id_token a Deep Linking request (Deep Linking
// 2.0 §4.4, https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-request-message; conformance cases
// 140–142). The id_token itself (iss, aud, sub, nonce, deployment, roles, context …) is built by the v1p3 launch
// code; this file returns only the claims to merge into it.
// The MUSTs beside the checks are restated from the spec, not quoted (lti-conformance.md §V: re-check the wording).
import { randomBytes } from "node:crypto";
import { ParameterError } from "../errors.js";
import { LTI13_MESSAGE_TYPES } from "../vocab/messages.js";
import {
  CORE_CLAIMS,
  DEEP_LINK_DOCUMENT_TARGETS,
  type DeepLinkDocumentTarget,
  type DeepLinkItemType,
  DL_CLAIMS,
  isDeepLinkItemType,
} from "./claims.js";

/** What the platform offers the tool in one Deep Linking request. */
export interface DeepLinkingSettings {
  /** Where the tool posts its response (form field `JWT`). */
  deepLinkReturnUrl: string;
  acceptTypes: readonly DeepLinkItemType[];
  acceptPresentationDocumentTargets: readonly DeepLinkDocumentTarget[];
  /** Media types (or `type/*`) accepted for `file` items; sent as one comma-separated string. */
  acceptMediaTypes?: readonly string[];
  /** Default true: Pluto creates one activity per returned item. */
  acceptMultiple?: boolean;
  /** Whether a `lineItem` in an `ltiResourceLink` becomes a grade item. */
  acceptLineItem?: boolean;
  autoCreate?: boolean;
  title?: string;
  text?: string;
  /** The opaque value the tool must echo (see newDeepLinkingData). */
  data: string;
}

/** The `deep_linking_settings` claim, as sent. */
export interface DeepLinkingSettingsClaim {
  deep_link_return_url: string;
  accept_types: DeepLinkItemType[];
  accept_presentation_document_targets: DeepLinkDocumentTarget[];
  accept_media_types?: string;
  accept_multiple: boolean;
  accept_lineitem?: boolean;
  auto_create?: boolean;
  title?: string;
  text?: string;
  data: string;
}

/**
 * A fresh `data` value: 256 random bits, base64url. The caller stores it with the pending request (who asked,
 * for which section or activity, until when) and deletes it when the response arrives, which makes it single
 * use; the response is matched to its request by this value alone, so the return needs no session cookie
 * (pitfalls note §3 item 5).
 */
export function newDeepLinkingData(): string {
  return randomBytes(32).toString("base64url");
}

function absoluteUrl(name: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ParameterError("invalid_parameter", name, "not an absolute URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new ParameterError("invalid_parameter", name, "not http or https");
  return value;
}

/**
 * The claims that turn an id_token into an LtiDeepLinkingRequest: `message_type` and
 * `deep_linking_settings`. Merge them over the base id_token claims, which must not carry a
 * `resource_link` claim (case 141: a Deep Linking request has none); that is refused here when `base` is given.
 *
 * §4.4.1: `deep_link_return_url`, `accept_types` and `accept_presentation_document_targets` are required
 * (the platform MUST send them), so each is refused here when empty.
 */
export function buildDeepLinkingRequestClaims(
  settings: DeepLinkingSettings,
  base?: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (base !== undefined && Object.hasOwn(base, CORE_CLAIMS.resourceLink))
    throw new ParameterError(
      "invalid_parameter",
      CORE_CLAIMS.resourceLink,
      "not sent in a Deep Linking request",
    );
  const returnUrl = absoluteUrl("deep_link_return_url", settings.deepLinkReturnUrl);
  if (settings.acceptTypes.length === 0) throw new ParameterError("missing_parameter", "accept_types");
  for (const t of settings.acceptTypes)
    if (!isDeepLinkItemType(t)) throw new ParameterError("invalid_parameter", "accept_types", `unknown ${t}`);
  if (settings.acceptPresentationDocumentTargets.length === 0)
    throw new ParameterError("missing_parameter", "accept_presentation_document_targets");
  for (const t of settings.acceptPresentationDocumentTargets)
    if (!(DEEP_LINK_DOCUMENT_TARGETS as readonly string[]).includes(t))
      throw new ParameterError("invalid_parameter", "accept_presentation_document_targets", `unknown ${t}`);
  if (settings.data === "") throw new ParameterError("missing_parameter", "data");
  const mediaTypes = settings.acceptMediaTypes ?? [];
  for (const m of mediaTypes)
    if (!/^[\w.+-]+\/(\*|[\w.+-]+)$/.test(m))
      throw new ParameterError("invalid_parameter", "accept_media_types", `not a media type: ${m}`);

  const claim: DeepLinkingSettingsClaim = {
    deep_link_return_url: returnUrl,
    accept_types: [...new Set(settings.acceptTypes)],
    accept_presentation_document_targets: [...new Set(settings.acceptPresentationDocumentTargets)],
    accept_multiple: settings.acceptMultiple ?? true,
    data: settings.data,
  };
  if (mediaTypes.length > 0) claim.accept_media_types = mediaTypes.join(",");
  if (settings.acceptLineItem !== undefined) claim.accept_lineitem = settings.acceptLineItem;
  if (settings.autoCreate !== undefined) claim.auto_create = settings.autoCreate;
  if (settings.title !== undefined) claim.title = settings.title;
  if (settings.text !== undefined) claim.text = settings.text;
  return {
    [CORE_CLAIMS.messageType]: LTI13_MESSAGE_TYPES.deepLinkingRequest,
    [DL_CLAIMS.deepLinkingSettings]: claim,
  };
}
