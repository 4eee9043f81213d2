// Message types, versions and presentation targets, written once.
// LTI 1.1 Implementation Guide (https://www.imsglobal.org/specs/ltiv1p1/implementation-guide) §4 and the
// LTI 1.3 Core specification §5.1 (message type and version claims).

/** LTI 1.0/1.1/1.2 message types (the `lti_message_type` parameter). */
export const LTI11_MESSAGE_TYPES = {
  basicLaunch: "basic-lti-launch-request",
  contentItemSelectionRequest: "ContentItemSelectionRequest",
  contentItemSelection: "ContentItemSelection",
  /** The LTI 1.1 memberships extension's request (a signed form POST, not POX). */
  readMemberships: "basic-lis-readmembershipsforcontext",
  readMembershipsWithGroups: "basic-lis-readmembershipsforcontextwithgroups",
} as const;

/**
 * `lti_version` values. LTI 1.0, 1.1 and 1.1.1 all send `LTI-1p0`; `LTI-1p2` is sent by LTI 1.2 consumers for
 * basic launches. `LTI-2p0` belongs to LTI 2 messages only.
 */
export const LTI11_VERSIONS = ["LTI-1p0", "LTI-1p2"] as const;
export type Lti11Version = (typeof LTI11_VERSIONS)[number];
export const LTI2_VERSION = "LTI-2p0";

export function isLti11Version(v: string): v is Lti11Version {
  return (LTI11_VERSIONS as readonly string[]).includes(v);
}

/** LTI 1.3 message types (the `https://purl.imsglobal.org/spec/lti/claim/message_type` claim). */
export const LTI13_MESSAGE_TYPES = {
  resourceLink: "LtiResourceLinkRequest",
  deepLinkingRequest: "LtiDeepLinkingRequest",
  deepLinkingResponse: "LtiDeepLinkingResponse",
} as const;
export const LTI13_VERSION = "1.3.0";

/** `launch_presentation_document_target` values (LTI 1.1 §4; the 1EdTech library also knows the last three). */
export const DOCUMENT_TARGETS = ["frame", "iframe", "window", "embed", "popup", "overlay"] as const;
export type DocumentTarget = (typeof DOCUMENT_TARGETS)[number];

export function isDocumentTarget(v: string): v is DocumentTarget {
  return (DOCUMENT_TARGETS as readonly string[]).includes(v);
}

/** `context_type` values, short and URN forms. */
export const CONTEXT_TYPES = ["CourseTemplate", "CourseOffering", "CourseSection", "Group"] as const;
export const CONTEXT_TYPE_URN_PREFIX = "urn:lti:context-type:ims/lis/";
