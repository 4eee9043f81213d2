// Shared vocabulary of the Basic Outcomes POX messages (imsoms_v1p0): namespace, operations, status codes
// and score text. Used by outcomes.ts (requests) and outcomes-response.ts (responses).
import { OutcomeError } from "../errors.js";

export const POX_NS = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0";
export const OUTCOME_OPERATIONS = ["replaceResult", "readResult", "deleteResult"] as const;
export type OutcomeOperation = (typeof OUTCOME_OPERATIONS)[number];
/** imsx_codeMajor values (case 54). */
export type CodeMajor = "success" | "processing" | "failure" | "unsupported";
/** imsx_severity values (case 54). */
export type Severity = "status" | "warning" | "error";

/** A plain decimal ("0.85", ".5", "1", "1.0", "5e-1"); "0,85", "NaN" and "Infinity" are not. */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function assertScore(score: number, details: OutcomeError["details"] = {}): void {
  // Case 50: "Numeric textString from 0.0 to 1.0 inclusive: ACCEPT ... below 0 or above 1: REJECT".
  if (!Number.isFinite(score) || score < 0 || score > 1) {
    throw new OutcomeError("score_out_of_range", "The score must be a number from 0.0 to 1.0", details);
  }
}

/** A score as POX text: '.' decimal separator whatever the locale (case 58), no exponent, ≤ 10 decimals. */
export function formatScore(score: number): string {
  assertScore(score);
  return score.toFixed(10).replace(/\.?0+$/, "") || "0";
}
