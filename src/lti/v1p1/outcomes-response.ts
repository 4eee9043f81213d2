// The Basic Outcomes response envelope, imsx_POXEnvelopeResponse (LTI 1.1 Implementation Guide §6;
// conformance cases 51–57). Split from outcomes.ts for size; import both from outcomes.ts.
import { randomUUID } from "node:crypto";
import { XmlError } from "../errors.js";
import { type CodeMajor, DECIMAL, formatScore, type OutcomeOperation, POX_NS, type Severity } from "./pox.js";
import { child, parseXml, renderXml, textAt, type XmlNode } from "./xml.js";

export interface OutcomeResponse {
  codeMajor: CodeMajor;
  /** Default: "status" for success/processing/unsupported, "error" for failure. */
  severity?: Severity;
  description?: string;
  /** This response's own identifier; a random UUID by default. */
  messageIdentifier?: string;
  /** The request's imsx_messageIdentifier, echoed (case 54). */
  messageRefIdentifier?: string;
  /** The request's operation, echoed; the body is then `<{operation}Response/>`. */
  operationRefIdentifier?: OutcomeOperation | (string & {});
  /** readResult: the score (formatted with '.'), or null/undefined for "no grade yet" (empty textString, case 51). */
  score?: number | null;
  language?: string;
}

/** Writes a response envelope; every failure is still a well-formed envelope (case 56). */
export function buildOutcomeResponse(r: OutcomeResponse): string {
  const severity = r.severity ?? (r.codeMajor === "failure" ? "error" : "status");
  const op = r.operationRefIdentifier;
  const readBody: XmlNode = {
    name: "result",
    children: [
      {
        name: "resultScore",
        children: [
          { name: "language", text: r.language ?? "en" },
          // '.' decimal separator whatever the locale (case 58); same formatting as requests.
          { name: "textString", text: r.score == null ? "" : formatScore(r.score) },
        ],
      },
    ],
  };
  return renderXml({
    name: "imsx_POXEnvelopeResponse",
    attributes: { xmlns: POX_NS },
    children: [
      {
        name: "imsx_POXHeader",
        children: [
          {
            name: "imsx_POXResponseHeaderInfo",
            children: [
              { name: "imsx_version", text: "V1.0" },
              { name: "imsx_messageIdentifier", text: r.messageIdentifier ?? randomUUID() },
              {
                name: "imsx_statusInfo",
                children: [
                  { name: "imsx_codeMajor", text: r.codeMajor },
                  { name: "imsx_severity", text: severity },
                  { name: "imsx_description", text: r.description ?? "" },
                  r.messageRefIdentifier !== undefined && {
                    name: "imsx_messageRefIdentifier",
                    text: r.messageRefIdentifier,
                  },
                  op !== undefined && { name: "imsx_operationRefIdentifier", text: op },
                ],
              },
            ],
          },
        ],
      },
      {
        name: "imsx_POXBody",
        children: [
          op !== undefined && {
            name: `${op}Response`,
            children: op === "readResult" && r.codeMajor === "success" ? [readBody] : [],
          },
        ],
      },
    ],
  });
}

export interface ParsedOutcomeResponse {
  /** Case 57: only imsx_codeMajor "success" counts as success. */
  success: boolean;
  codeMajor: string;
  severity?: string;
  description?: string;
  messageIdentifier?: string;
  messageRefIdentifier?: string;
  operationRefIdentifier?: string;
  /** readResult: the score read, or undefined when empty or not a number. */
  score?: number;
  scoreText?: string;
}

/** Reads a response envelope. Errors: the XML ones, and not_a_pox_message for another document. */
export function parseOutcomeResponse(xml: string | Uint8Array): ParsedOutcomeResponse {
  const root = parseXml(xml);
  if (root.name !== "imsx_POXEnvelopeResponse") {
    throw new XmlError("not_a_pox_message", `Not a POX response: the root element is <${root.name}>`);
  }
  const info = child(child(root, "imsx_POXHeader"), "imsx_POXResponseHeaderInfo");
  const status = child(info, "imsx_statusInfo");
  const codeMajor = textAt(status, "imsx_codeMajor") ?? "";
  const out: ParsedOutcomeResponse = { success: codeMajor === "success", codeMajor };
  const fields = {
    severity: textAt(status, "imsx_severity"),
    description: textAt(status, "imsx_description"),
    messageIdentifier: textAt(info, "imsx_messageIdentifier"),
    messageRefIdentifier: textAt(status, "imsx_messageRefIdentifier"),
    operationRefIdentifier: textAt(status, "imsx_operationRefIdentifier"),
    scoreText: textAt(
      child(root, "imsx_POXBody"),
      "readResultResponse",
      "result",
      "resultScore",
      "textString",
    ),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k as keyof typeof fields] = v;
  if (out.scoreText !== undefined && DECIMAL.test(out.scoreText)) {
    out.score = Number(out.scoreText);
  }
  return out;
}
