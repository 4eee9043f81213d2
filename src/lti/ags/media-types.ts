// The media types of Assignment and Grade Services 2.0 (§3.2, §3.3, §3.4) and the checks of a request's
// Content-Type and Accept against them. Pure.
import { AgsError } from "../errors.js";

export const AGS_MEDIA_TYPE = {
  lineItem: "application/vnd.ims.lis.v2.lineitem+json",
  lineItemContainer: "application/vnd.ims.lis.v2.lineitemcontainer+json",
  resultContainer: "application/vnd.ims.lis.v2.resultcontainer+json",
  score: "application/vnd.ims.lis.v1.score+json",
} as const;
export type AgsMediaType = (typeof AGS_MEDIA_TYPE)[keyof typeof AGS_MEDIA_TYPE];

/** The bare media type of a Content-Type header (lower case, no parameters), "" when absent. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Checks a request body's Content-Type: the endpoint's AGS type, or plain `application/json` (which some
 * tool libraries send for the same document). Anything else is 415.
 */
export function checkContentType(contentType: string | undefined, expected: AgsMediaType): void {
  const type = mediaTypeOf(contentType);
  if (type === expected || type === "application/json") return;
  throw new AgsError(
    "ags_unsupported_media_type",
    `The request body must be ${expected}${type === "" ? "" : `, not ${type}`}.`,
    "Content-Type",
  );
}

/**
 * Checks an Accept header against the type the endpoint answers (RFC 9110 §12.5.1): absent, the type itself,
 * `application/json`, `application/*` or any type with a non-zero q. Anything else is 406.
 */
export function checkAccept(accept: string | undefined, produced: AgsMediaType): void {
  if (accept === undefined || accept.trim() === "") return;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    if (type === produced || type === "application/json" || type === "application/*" || type === "*/*")
      return;
  }
  throw new AgsError("ags_not_acceptable", `This endpoint answers ${produced} only.`, "Accept");
}
