// An AGS 2.0 line item (§3.2.7–§3.2.14; conformance cases 160–162): reading the body a tool posts or puts,
// and the document Pluto answers. `label` is required and not blank, `scoreMaximum` a number > 0, dates ISO
// 8601 with a zone; `id` (and on a PUT `resourceLinkId`) are the platform's; unknown and extension
// members are ignored. Pure.
import { AgsError } from "../errors.js";
import { isIsoDateTime } from "./timestamps.js";

/** What a tool may set on a line item. */
export interface LineItemInput {
  label: string;
  scoreMaximum: number;
  resourceId: string;
  tag: string;
  /** The resource link it is attached to, when the tool names one. */
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
}

/** A line item as Pluto answers it. */
export interface LineItem extends LineItemInput {
  /** The line item's URL. */
  id: string;
}

export const MAX_LABEL_LENGTH = 254;
export const MAX_ID_LENGTH = 255;
/** Larger than any grade a gradebook shows; keeps the arithmetic exact enough. */
export const MAX_SCORE = 1e9;

const invalid = (field: string, message: string) => new AgsError("ags_invalid_line_item", message, field);

function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(field, `${field} must be a string.`);
  if (v.length > MAX_ID_LENGTH) throw invalid(field, `${field} must be at most ${MAX_ID_LENGTH} characters.`);
  return v;
}

function optionalDate(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !isIsoDateTime(v))
    throw invalid(field, `${field} must be an ISO 8601 date-time with a time zone.`);
  return v;
}

/** Reads a line item body (already parsed JSON); throws AgsError `ags_invalid_line_item` naming the field. */
export function parseLineItem(body: unknown): LineItemInput {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw invalid("body", "The line item must be a JSON object.");
  const b = body as Record<string, unknown>;
  if (typeof b.label !== "string" || b.label.trim() === "")
    throw invalid("label", "label is required and must not be blank.");
  if (b.label.length > MAX_LABEL_LENGTH)
    throw invalid("label", `label must be at most ${MAX_LABEL_LENGTH} characters.`);
  const max = b.scoreMaximum;
  if (typeof max !== "number" || !Number.isFinite(max) || max <= 0 || max > MAX_SCORE)
    throw invalid("scoreMaximum", "scoreMaximum is required and must be a number greater than 0.");
  const gradesReleased = b.gradesReleased;
  if (gradesReleased !== undefined && gradesReleased !== null && typeof gradesReleased !== "boolean")
    throw invalid("gradesReleased", "gradesReleased must be a boolean.");
  const resourceLinkId = optionalText(b, "resourceLinkId");
  const startDateTime = optionalDate(b, "startDateTime");
  const endDateTime = optionalDate(b, "endDateTime");
  return {
    label: b.label.trim(),
    scoreMaximum: max,
    resourceId: optionalText(b, "resourceId") ?? "",
    tag: optionalText(b, "tag") ?? "",
    ...(resourceLinkId === undefined || resourceLinkId === "" ? {} : { resourceLinkId }),
    ...(startDateTime === undefined ? {} : { startDateTime }),
    ...(endDateTime === undefined ? {} : { endDateTime }),
    ...(typeof gradesReleased === "boolean" ? { gradesReleased } : {}),
  };
}

/** The JSON document of a line item: empty `resourceId` and `tag` and absent dates are left out. */
export function lineItemJson(li: LineItem): Record<string, unknown> {
  return {
    id: li.id,
    label: li.label,
    scoreMaximum: li.scoreMaximum,
    ...(li.resourceId === "" ? {} : { resourceId: li.resourceId }),
    ...(li.tag === "" ? {} : { tag: li.tag }),
    ...(li.resourceLinkId === undefined ? {} : { resourceLinkId: li.resourceLinkId }),
    ...(li.startDateTime === undefined ? {} : { startDateTime: li.startDateTime }),
    ...(li.endDateTime === undefined ? {} : { endDateTime: li.endDateTime }),
    ...(li.gradesReleased === undefined ? {} : { gradesReleased: li.gradesReleased }),
  };
}
