// Assignment and Grade Services 2.0 as the tool uses them (https://www.imsglobal.org/spec/lti-ags/v2p0):
// line item URLs, the line item container and a line item, and the score Pluto posts. Conformance
// cases 165–170 (what platforms check), 174–177 (the tool's side); peers note §3 items 9, 14 and §4.3.

import { ParameterError } from "../errors.js";

export const AGS_MEDIA_TYPE = {
  lineItem: "application/vnd.ims.lis.v2.lineitem+json",
  lineItemContainer: "application/vnd.ims.lis.v2.lineitemcontainer+json",
  score: "application/vnd.ims.lis.v1.score+json",
} as const;

/**
 * A line item URL with `/suffix` added to its path, before the query string (AGS §3.3, §3.4; case 174:
 * Canvas and Moodle line item URLs carry a query). A trailing slash on the path is not doubled.
 */
export function lineItemSubUrl(lineItemUrl: string, suffix: "scores" | "results"): string {
  let url: URL;
  try {
    url = new URL(lineItemUrl);
  } catch {
    throw new ParameterError("invalid_parameter", "lineItemUrl", "not an absolute URL");
  }
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${suffix}`;
  return url.toString();
}

/** The line items container URL filtered by resource link and resource id (AGS §3.2.4), keeping its own query. */
export function lineItemsSearchUrl(
  lineItemsUrl: string,
  filter: { resourceLinkId?: string; resourceId?: string },
): string {
  let url: URL;
  try {
    url = new URL(lineItemsUrl);
  } catch {
    throw new ParameterError("invalid_parameter", "lineItemsUrl", "not an absolute URL");
  }
  if (filter.resourceLinkId !== undefined) url.searchParams.set("resource_link_id", filter.resourceLinkId);
  if (filter.resourceId !== undefined) url.searchParams.set("resource_id", filter.resourceId);
  return url.toString();
}

/** A line item as a container lists it: the fields Pluto reads; others are ignored. */
export interface LineItem {
  id: string;
  label?: string;
  scoreMaximum?: number;
  resourceLinkId?: string;
  resourceId?: string;
  tag?: string;
}

function readLineItem(v: unknown, where: string): LineItem {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new ParameterError("invalid_parameter", where, "not a JSON object");
  }
  const o = v as Record<string, unknown>;
  if (typeof o.id !== "string" || !/^https?:\/\//i.test(o.id)) {
    throw new ParameterError("invalid_parameter", `${where}.id`, "not a line item URL");
  }
  const str = (k: string) => (typeof o[k] === "string" ? { [k]: o[k] as string } : {});
  return {
    id: o.id,
    ...str("label"),
    ...(typeof o.scoreMaximum === "number" && Number.isFinite(o.scoreMaximum)
      ? { scoreMaximum: o.scoreMaximum }
      : {}),
    ...str("resourceLinkId"),
    ...str("resourceId"),
    ...str("tag"),
  };
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ParameterError("invalid_parameter", what, "not JSON");
  }
}

/** One page of a line items container: a JSON array of line items (AGS §3.2.4). */
export function parseLineItemContainer(text: string): LineItem[] {
  const v = json(text, "lineItemContainer");
  if (!Array.isArray(v))
    throw new ParameterError("invalid_parameter", "lineItemContainer", "not a JSON array");
  return v.map((item, i) => readLineItem(item, `lineItemContainer[${i}]`));
}

/** The line item the platform answers a POST with (AGS §3.2.5: the created item with its `id`). */
export function parseLineItem(text: string): LineItem {
  return readLineItem(json(text, "lineItem"), "lineItem");
}

/**
 * The line item Pluto creates when the launch named none: bound to the resource link and naming Pluto's
 * resource, so a course copy or a second node finds it rather than creating another (peers note §3 item
 * 14; AGS §3.2.15). `label` must not be blank and `scoreMaximum` must be > 0 (§3.2.7, §3.2.8).
 */
export function buildLineItem(input: {
  label: string;
  scoreMaximum: number;
  resourceLinkId: string;
  resourceId: string;
  tag?: string;
}): Record<string, unknown> {
  const label = input.label.trim();
  if (label === "") throw new ParameterError("missing_parameter", "label");
  if (!(Number.isFinite(input.scoreMaximum) && input.scoreMaximum > 0)) {
    throw new ParameterError("invalid_parameter", "scoreMaximum", "must be a number above 0");
  }
  return {
    label,
    scoreMaximum: input.scoreMaximum,
    resourceLinkId: input.resourceLinkId,
    resourceId: input.resourceId,
    ...(input.tag !== undefined ? { tag: input.tag } : {}),
  };
}

/** A score Pluto sends: a final grade (AGS §3.4; Basic Outcomes replaceResult maps to this, §4.5). */
export interface ScoreInput {
  /** The platform's id of the user (the launch's `sub`). */
  userId: string;
  /** ≥ 0; zero is a grade like any other. */
  scoreGiven: number;
  /** > 0. */
  scoreMaximum: number;
  /** ISO 8601 with milliseconds and zone; strictly later than the last one sent (see laterTimestamp). */
  timestamp: string;
}

/** The score body: activityProgress Completed, gradingProgress FullyGraded (case 168: only that sets a final grade). */
export function buildScore(input: ScoreInput): {
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: "Completed";
  gradingProgress: "FullyGraded";
  timestamp: string;
} {
  if (input.userId === "") throw new ParameterError("missing_parameter", "userId");
  if (!(Number.isFinite(input.scoreGiven) && input.scoreGiven >= 0)) {
    throw new ParameterError("invalid_parameter", "scoreGiven", "must be a number ≥ 0");
  }
  if (!(Number.isFinite(input.scoreMaximum) && input.scoreMaximum > 0)) {
    throw new ParameterError("invalid_parameter", "scoreMaximum", "must be a number above 0");
  }
  if (!ISO_MS.test(input.timestamp)) {
    throw new ParameterError("invalid_parameter", "timestamp", "not ISO 8601 with milliseconds in UTC");
  }
  return {
    userId: input.userId,
    scoreGiven: input.scoreGiven,
    scoreMaximum: input.scoreMaximum,
    activityProgress: "Completed",
    gradingProgress: "FullyGraded",
    timestamp: input.timestamp,
  };
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The timestamp of the next score for one (line item, user): `now` with milliseconds, or one millisecond
 * after `last` when `now` is not later (two sends within a millisecond, a clock set back; AGS §3.4.9 "MUST
 * NOT reuse a timestamp", case 175). `last` is the previous score's timestamp as sent; unreadable is none.
 */
export function laterTimestamp(now: Date, last?: string | null): string {
  const prev = last ? Date.parse(last) : Number.NaN;
  const at = Number.isFinite(prev) && prev >= now.getTime() ? prev + 1 : now.getTime();
  return new Date(at).toISOString();
}
