// The OAuth HTTP Authorization header, RFC 5849 §3.5.1. LTI Basic Outcomes (POX) requests carry their
// protocol parameters here (`Authorization: OAuth realm="",oauth_consumer_key="...",...`).
import { ParameterError } from "../errors.js";
import { percentDecode, percentEncode } from "./oauth-encoding.js";

export interface AuthorizationHeader {
  /** The `realm` parameter, if sent. §3.4.1.3.1: it is excluded from the signature base string. */
  realm?: string;
  /** Every other parameter, decoded, in header order. */
  params: Array<[string, string]>;
}

const SCHEME = /^\s*OAuth(?:\s+|$)/i;
// name = value, where value is a quoted string or (tolerated: some peers omit the quotes) a bare token.
const PARAM = /\s*([^\s=,"]+)\s*=\s*(?:"([^"]*)"|([^\s,"]*))\s*(,|$)/y;

/** True when the header uses the OAuth scheme (case-insensitive, as HTTP auth schemes are). */
export function isOAuthAuthorization(header: string | undefined): header is string {
  return header !== undefined && SCHEME.test(header);
}

/**
 * Parses an `Authorization: OAuth ...` header value. §3.5.1: "Parameter names and values are encoded per
 * Parameter Encoding"; we decode both. A header that is not the OAuth scheme or is malformed is an
 * invalid_parameter error naming "Authorization".
 */
export function parseAuthorizationHeader(header: string): AuthorizationHeader {
  const scheme = SCHEME.exec(header);
  if (!scheme) throw new ParameterError("invalid_parameter", "Authorization", "not the OAuth scheme");
  const out: AuthorizationHeader = { params: [] };
  const rest = header.slice(scheme[0].length).trimEnd();
  let pos = 0;
  while (pos < rest.length) {
    PARAM.lastIndex = pos;
    const m = PARAM.exec(rest);
    if (!m || m[0].length === 0) {
      throw new ParameterError("invalid_parameter", "Authorization", `malformed at offset ${pos}`);
    }
    const name = percentDecode(m[1] ?? "", "Authorization");
    const raw = m[2] ?? m[3] ?? "";
    // realm is an RFC 2617 quoted-string, not percent-encoded: keep it as sent.
    if (name === "realm") out.realm = raw;
    else {
      const value = percentDecode(raw, "Authorization");
      // No OAuth parameter holds a NUL (%00): refused here, naming it, before anything stores it.
      if (`${name}${value}`.includes("\u0000"))
        throw new ParameterError(
          "invalid_parameter",
          name.replaceAll("\u0000", "\\0"),
          "contains a NUL character",
        );
      out.params.push([name, value]);
    }
    pos = PARAM.lastIndex;
    if (m[4] === "" && pos < rest.length) {
      throw new ParameterError("invalid_parameter", "Authorization", "missing comma");
    }
  }
  return out;
}

/**
 * Builds an `OAuth ...` header value from protocol parameters: `realm` first (not encoded, as §3.5.1's
 * example), then each `oauth_*` parameter as name="percent-encoded value", comma separated.
 */
export function buildAuthorizationHeader(params: Readonly<Record<string, string>>, realm?: string): string {
  const parts: string[] = [];
  if (realm !== undefined) parts.push(`realm="${realm.replaceAll('"', "%22")}"`);
  for (const [name, value] of Object.entries(params)) {
    if (!name.startsWith("oauth_")) continue;
    parts.push(`${percentEncode(name)}="${percentEncode(value, name)}"`);
  }
  return `OAuth ${parts.join(", ")}`;
}
