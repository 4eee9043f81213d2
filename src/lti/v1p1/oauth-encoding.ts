// RFC 5849 §3.6 percent-encoding and parameter lists, shared by the signer, the verifier and the
// Authorization header code.
//
// The encoding itself is oauth-1.0a's `percentEncode` (encodeURIComponent plus ! * ' ( ) escaped): it is
// exactly §3.6 — "Characters in the unreserved character set ... MUST NOT be encoded. All other characters
// MUST be encoded. The two hexadecimal characters used to represent encoded characters MUST be uppercase."
// Its base-string code is not used; see oauth.ts for why.
import OAuth from "oauth-1.0a";
import { ParameterError } from "../errors.js";

const encoder = new OAuth({
  consumer: { key: "", secret: "" },
  signature_method: "HMAC-SHA1",
  hash_function: () => "",
});

/** A list of name/value pairs in request order; names may repeat (RFC 5849 §3.4.1.3). */
export type ParamList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * Parameters as callers have them: a pair list, or a record as a form parser produces (a repeated name gives
 * an array of values). `undefined` values are skipped.
 */
export type ParamInput = ParamList | Readonly<Record<string, string | readonly string[] | undefined>>;

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** RFC 5849 §3.6 percent-encoding of one string (UTF-8, upper-case hex). */
export function percentEncode(value: string, what = "parameter"): string {
  // Fast path: most LTI names and many values are unreserved characters only, which encode to themselves.
  if (UNRESERVED.test(value)) return value;
  try {
    return encoder.percentEncode(value);
  } catch (cause) {
    // encodeURIComponent throws on lone surrogates: such a string has no UTF-8 form to sign.
    throw new ParameterError("invalid_parameter", what, `not valid Unicode (${String(cause)})`);
  }
}

/** Decodes an RFC 3986 percent-encoded string (as in Authorization header values, §3.5.1). */
export function percentDecode(value: string, what = "parameter"): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ParameterError("invalid_parameter", what, "malformed percent-encoding");
  }
}

export function toParamList(input: ParamInput | undefined): Array<[string, string]> {
  if (input === undefined) return [];
  if (Array.isArray(input)) return (input as ParamList).map(([k, v]) => [k, v]);
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(
    input as Record<string, string | readonly string[] | undefined>,
  )) {
    if (value === undefined) continue;
    if (typeof value === "string") out.push([name, value]);
    else for (const v of value) out.push([name, v]);
  }
  return out;
}

/**
 * Parses an `application/x-www-form-urlencoded` string into pairs (names may repeat), as RFC 5849
 * §3.4.1.3.1 requires for the query component and a form body: `+` is a space, then percent-decoding.
 */
export function parseFormEncoded(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)];
}

/** The form encoding of pairs, as a consumer posts them (the inverse of parseFormEncoded). */
export function formEncode(params: ParamInput): string {
  return new URLSearchParams(toParamList(params)).toString();
}
