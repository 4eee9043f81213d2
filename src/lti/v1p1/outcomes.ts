// LTI 1.1 Basic Outcomes: the POX (plain old XML) messages replaceResult, readResult and deleteResult and their
// response envelope. LTI 1.1 Implementation Guide §6 and the imsoms_v1p0 schema; conformance cases 48–60.
// Transport (POST, Content-Type application/xml, OAuth with oauth_body_hash) is oauth-body-hash.ts's job.
import { randomUUID } from "node:crypto";
import { OutcomeError, ParameterError, XmlError } from "../errors.js";
import {
  assertScore,
  DECIMAL,
  formatScore,
  OUTCOME_OPERATIONS,
  type OutcomeOperation,
  POX_NS,
} from "./pox.js";
import { child, children, parseXml, renderXml, textAt, type XmlElement, type XmlNode } from "./xml.js";

function envelope(messageIdentifier: string, operation: OutcomeOperation, record: XmlNode[]): string {
  return renderXml({
    name: "imsx_POXEnvelopeRequest",
    attributes: { xmlns: POX_NS },
    children: [
      {
        name: "imsx_POXHeader",
        children: [
          {
            name: "imsx_POXRequestHeaderInfo",
            children: [
              { name: "imsx_version", text: "V1.0" },
              { name: "imsx_messageIdentifier", text: messageIdentifier },
            ],
          },
        ],
      },
      {
        name: "imsx_POXBody",
        children: [{ name: `${operation}Request`, children: [{ name: "resultRecord", children: record }] }],
      },
    ],
  });
}

const sourcedGuid = (sourcedId: string): XmlNode => ({
  name: "sourcedGUID",
  children: [{ name: "sourcedId", text: sourcedId }],
});

export interface ResultRequestInput {
  sourcedId: string;
  /** Unique per request (case 49); a random UUID by default. */
  messageIdentifier?: string;
}

export function buildReplaceResultRequest(
  input: ResultRequestInput & {
    score: number;
    language?: string;
    resultData?: { text?: string; url?: string };
  },
): string {
  const data = input.resultData;
  return envelope(input.messageIdentifier ?? randomUUID(), "replaceResult", [
    sourcedGuid(input.sourcedId),
    {
      name: "result",
      children: [
        {
          name: "resultScore",
          children: [
            { name: "language", text: input.language ?? "en" },
            { name: "textString", text: formatScore(input.score) },
          ],
        },
        data !== undefined &&
          (data.text !== undefined || data.url !== undefined) && {
            name: "resultData",
            children: [
              data.text !== undefined && { name: "text", text: data.text },
              data.url !== undefined && { name: "url", text: data.url },
            ],
          },
      ],
    },
  ]);
}

export function buildReadResultRequest(input: ResultRequestInput): string {
  return envelope(input.messageIdentifier ?? randomUUID(), "readResult", [sourcedGuid(input.sourcedId)]);
}

export function buildDeleteResultRequest(input: ResultRequestInput): string {
  return envelope(input.messageIdentifier ?? randomUUID(), "deleteResult", [sourcedGuid(input.sourcedId)]);
}

export interface OutcomeRequest {
  operation: OutcomeOperation;
  messageIdentifier: string;
  sourcedId: string;
  /** replaceResult only: the score, validated to 0.0..1.0. */
  score?: number;
  language?: string;
  /** replaceResult's optional resultData (a Canvas extension; case 60: ignore unless supported). */
  resultData?: { text?: string; url?: string };
}

/**
 * A POX request message carries one operation on one result record (LTI 1.1 Basic Outcomes defines
 * each message as a single replaceResult, readResult or deleteResult request). A second operation, a
 * second imsx_POXBody or a second resultRecord is refused rather than only one of them acted on.
 */
function assertSingleOperation(root: XmlElement, messageIdentifier: string): void {
  const bodies = children(root, "imsx_POXBody");
  const operations = bodies.flatMap((b) => b.children);
  const records = operations.flatMap((op) => children(op, "resultRecord"));
  if (bodies.length > 1 || operations.length > 1 || records.length > 1) {
    const names = operations.map((op) => op.name).join(", ");
    throw new OutcomeError(
      "multiple_operations",
      `A POX request holds exactly one operation on one resultRecord; this one has ${bodies.length} imsx_POXBody, ${operations.length} operations (${names}) and ${records.length} resultRecord`,
      { messageIdentifier },
    );
  }
}

/** The operation named by the first child of imsx_POXBody ("replaceResultRequest" → "replaceResult"). */
function operationElement(root: XmlElement): { name: string; el: XmlElement } | undefined {
  const el = child(root, "imsx_POXBody")?.children[0];
  return el === undefined ? undefined : { name: el.name.replace(/Request$/, ""), el };
}

/**
 * The header fields of a request, best effort and never throwing: what a consumer needs to address a
 * failure envelope (messageRefIdentifier, operationRefIdentifier) when parseOutcomeRequest refused it.
 */
export function peekOutcomeRequest(xml: string | Uint8Array): {
  messageIdentifier?: string;
  operation?: string;
} {
  try {
    const root = parseXml(xml);
    const out: { messageIdentifier?: string; operation?: string } = {};
    const id = textAt(root, "imsx_POXHeader", "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier");
    const op = operationElement(root)?.name;
    if (id !== undefined) out.messageIdentifier = id;
    if (op !== undefined) out.operation = op;
    return out;
  } catch {
    return {};
  }
}

/**
 * Reads a POX request. Errors: the XML ones (invalid_xml, xml_entities), not_a_pox_message for another
 * document, missing_parameter for an absent imsx_messageIdentifier, sourcedId or replaceResult score,
 * unsupported_operation for an operation other than the three (case 53), multiple_operations for more
 * than one operation (or imsx_POXBody, or resultRecord) in one message, score_out_of_range for a score
 * that is not a number from 0.0 to 1.0 (case 50).
 */
export function parseOutcomeRequest(xml: string | Uint8Array): OutcomeRequest {
  const root = parseXml(xml);
  if (root.name !== "imsx_POXEnvelopeRequest") {
    throw new XmlError("not_a_pox_message", `Not a POX request: the root element is <${root.name}>`);
  }
  const idElement = child(
    child(child(root, "imsx_POXHeader"), "imsx_POXRequestHeaderInfo"),
    "imsx_messageIdentifier",
  );
  if (idElement === undefined) throw new ParameterError("missing_parameter", "imsx_messageIdentifier");
  // Interop: python-lti's outcome client (ToolProvider.post_replace_result) sends an empty
  // <imsx_messageIdentifier/>; Moodle and Canvas take it and echo an empty reference, and so does Pluto.
  const messageIdentifier = idElement.text.trim();
  assertSingleOperation(root, messageIdentifier);
  const op = operationElement(root);
  if (op === undefined) throw new XmlError("not_a_pox_message", "The POX body names no operation");
  const operation = op.name;
  if (!(OUTCOME_OPERATIONS as readonly string[]).includes(operation)) {
    throw new OutcomeError("unsupported_operation", `${operation} is not supported`, {
      operation,
      messageIdentifier,
    });
  }
  const record = child(op.el, "resultRecord");
  const sourcedId = textAt(record, "sourcedGUID", "sourcedId");
  if (sourcedId === undefined) throw new ParameterError("missing_parameter", "sourcedId");
  const out: OutcomeRequest = { operation: operation as OutcomeOperation, messageIdentifier, sourcedId };
  if (operation !== "replaceResult") return out;

  const result = child(record, "result");
  const text = textAt(result, "resultScore", "textString");
  if (text === undefined) throw new ParameterError("missing_parameter", "textString");
  const score = DECIMAL.test(text) ? Number(text) : Number.NaN;
  assertScore(score, { operation, messageIdentifier, value: text });
  out.score = score;
  const language = textAt(result, "resultScore", "language");
  if (language !== undefined) out.language = language;
  const dataText = textAt(result, "resultData", "text");
  const dataUrl = textAt(result, "resultData", "url");
  if (dataText !== undefined || dataUrl !== undefined) {
    out.resultData = {};
    if (dataText !== undefined) out.resultData.text = dataText;
    if (dataUrl !== undefined) out.resultData.url = dataUrl;
  }
  return out;
}

export {
  buildOutcomeResponse,
  type OutcomeResponse,
  type ParsedOutcomeResponse,
  parseOutcomeResponse,
} from "./outcomes-response.js";
export {
  type CodeMajor,
  formatScore,
  OUTCOME_OPERATIONS,
  type OutcomeOperation,
  POX_NS,
  type Severity,
} from "./pox.js";
