// Claim names and values of Deep Linking 2.0 (https://www.imsglobal.org/spec/lti-dl/v2p0), with the LTI 1.3
// Core claims its messages carry (LTI 1.3 Core §5.1, §5.3). The core claim
// URIs come from vocab/claims.ts.

import { LTI_CLAIM } from "../vocab/claims.js";

const DL = "https://purl.imsglobal.org/spec/lti-dl/claim/";

/** LTI 1.3 Core claims a Deep Linking message carries (vocab/claims.ts). */
export const CORE_CLAIMS = {
  messageType: LTI_CLAIM.messageType,
  version: LTI_CLAIM.version,
  deploymentId: LTI_CLAIM.deploymentId,
  resourceLink: LTI_CLAIM.resourceLink,
} as const;

/** Deep Linking 2.0 claims: §4.4 (request settings) and §4.5 (response). */
export const DL_CLAIMS = {
  deepLinkingSettings: `${DL}deep_linking_settings`,
  contentItems: `${DL}content_items`,
  data: `${DL}data`,
  msg: `${DL}msg`,
  log: `${DL}log`,
  errormsg: `${DL}errormsg`,
  errorlog: `${DL}errorlog`,
} as const;

/** The content item types of Deep Linking 2.0 §3 (the `type` of each item and the `accept_types` values). */
export const DEEP_LINK_ITEM_TYPES = ["ltiResourceLink", "link", "file", "html", "image"] as const;
export type DeepLinkItemType = (typeof DEEP_LINK_ITEM_TYPES)[number];

export function isDeepLinkItemType(v: unknown): v is DeepLinkItemType {
  return (DEEP_LINK_ITEM_TYPES as readonly unknown[]).includes(v);
}

/** `accept_presentation_document_targets` values (§4.4.1). */
export const DEEP_LINK_DOCUMENT_TARGETS = ["iframe", "window", "embed"] as const;
export type DeepLinkDocumentTarget = (typeof DEEP_LINK_DOCUMENT_TARGETS)[number];
