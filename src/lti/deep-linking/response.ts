// The platform's side of LtiDeepLinkingResponse: checking the tool's response JWT (Deep Linking 2.0 §4.5,
// https://www.imsglobal.org/spec/lti-dl/v2p0#deep-linking-response-message; Security Framework §5.2;
// conformance cases 143, 151–155). The signature is checked by an injected verifier (the tool's keyset by
// `kid`, RS256); everything the response says is checked here, in this order:
//   1. message_type and version; 2. iss = the tool's client_id, aud contains the platform issuer, exp/iat;
//   3. deployment_id as in the request; 4. `data` echoed exactly; 5. content_items against the request's
//   settings; 6. the nonce, recorded only for a response that passed 1–5.
// The MUSTs beside the checks are restated from the spec, not quoted (lti-conformance.md §V: re-check the wording).
import { DeepLinkingError, isLtiError, MessageError } from "../errors.js";
import type { Clock, NonceStore } from "../ports.js";
import { LTI13_MESSAGE_TYPES, LTI13_VERSION } from "../vocab/messages.js";
import { CORE_CLAIMS, type DeepLinkItemType, DL_CLAIMS, isDeepLinkItemType } from "./claims.js";
import { type DeepLinkItem, isObject, MAX_TEXT, readItem } from "./items.js";

export type * from "./items.js";

/**
 * Verifies a JWT's signature (and, in the real verifier, alg, kid, iss, aud and exp) and returns its payload.
 * It should throw LtiErrors; anything else it throws is reported as dl_invalid_jwt.
 */
export type VerifyJwt = (token: string) => Promise<unknown>;

/** What the platform sent in the request this response answers (kept with the pending request). */
export interface DeepLinkingExpectations {
  /** The tool's client_id: §4.5: iss MUST be the client_id of the tool. */
  clientId: string;
  /** Pluto's issuer: the response's `aud`. */
  platformIssuer: string;
  deploymentId: string;
  /** The request's `data`; the response must echo it byte for byte. */
  data?: string;
  acceptTypes: readonly DeepLinkItemType[];
  acceptMultiple: boolean;
  /** False: a `lineItem` is dropped (with a warning), as §4.4.1 says the platform then ignores line items. */
  acceptLineItem?: boolean;
  /**
   * A known item type that was not in accept_types: "refuse" (default) refuses the response; "report" skips the
   * item and lists it in `skipped` (case 153 leaves the choice to the platform).
   */
  unacceptedItems?: "refuse" | "report";
  /** Items a response may carry at most (default 100). */
  maxItems?: number;
}

export interface DeepLinkingResponse {
  deploymentId: string;
  /** Known items, in the order the tool sent them, each with its `index` in content_items. */
  items: DeepLinkItem[];
  /** Items not created: unknown types (always), or types not offered under `unacceptedItems: "report"`. */
  skipped: Array<{ index: number; type: string; reason: "unknown_type" | "not_accepted" }>;
  /** content_items was empty: the user cancelled (case 155); show `errorMessage` or `message`. */
  cancelled: boolean;
  /** `msg` and `errormsg` are for the user; `log` and `errorlog` for the log. */
  message?: string;
  log?: string;
  errorMessage?: string;
  errorLog?: string;
  /** Ignored parts (a dropped lineItem): worth a log line. */
  warnings: string[];
  nonce: string;
  expiresAt: Date;
}

export interface ParseDeepLinkingOptions extends DeepLinkingExpectations {
  clock: Clock;
  /** Clock skew allowed on exp and iat, in seconds (default 60; conformance case 122). */
  leewaySeconds?: number;
}

export interface VerifyDeepLinkingOptions extends ParseDeepLinkingOptions {
  verifyJwt: VerifyJwt;
  /** Records response nonces; keyed `dl-response:<client_id>`. */
  nonceStore: NonceStore;
}

const DEFAULT_LEEWAY = 60;
const DEFAULT_MAX_ITEMS = 100;

function fail(code: ConstructorParameters<typeof DeepLinkingError>[0], claim: string, reason: string): never {
  throw new DeepLinkingError(code, `${claim}: ${reason}`, { claim, reason });
}

function get(payload: Record<string, unknown>, claim: string): unknown {
  return Object.hasOwn(payload, claim) ? payload[claim] : undefined;
}

function requiredString(payload: Record<string, unknown>, claim: string): string {
  const v = get(payload, claim);
  if (v === undefined || v === null) fail("dl_missing_claim", claim, "required");
  if (typeof v !== "string" || v === "") fail("dl_invalid_claim", claim, "not a non-empty string");
  return v;
}

function optionalText(payload: Record<string, unknown>, claim: string): string | undefined {
  const v = get(payload, claim);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail("dl_invalid_claim", claim, "not a string");
  return v.slice(0, MAX_TEXT);
}

function numericDate(payload: Record<string, unknown>, claim: "exp" | "iat"): number {
  const v = get(payload, claim);
  if (v === undefined) fail("dl_missing_claim", claim, "required");
  if (typeof v !== "number" || !Number.isFinite(v)) fail("dl_invalid_claim", claim, "not a NumericDate");
  return v;
}

/**
 * Checks a verified response payload against the request it answers. Pure: the nonce is returned, not
 * recorded (verifyDeepLinkingResponse records it). Throws MessageError (unsupported_message_type,
 * unsupported_version) or DeepLinkingError (dl_*).
 */
export function parseDeepLinkingResponse(
  payload: unknown,
  options: ParseDeepLinkingOptions,
): DeepLinkingResponse {
  if (!isObject(payload)) fail("dl_invalid_jwt", "payload", "not a JSON object");

  // §4.5: message_type MUST be LtiDeepLinkingResponse and version MUST be 1.3.0.
  const messageType = requiredString(payload, CORE_CLAIMS.messageType);
  if (messageType !== LTI13_MESSAGE_TYPES.deepLinkingResponse)
    throw new MessageError("unsupported_message_type", CORE_CLAIMS.messageType, messageType);
  const version = requiredString(payload, CORE_CLAIMS.version);
  if (version !== LTI13_VERSION) throw new MessageError("unsupported_version", CORE_CLAIMS.version, version);

  // §4.5 (and Security Framework §5.2): iss MUST be the client_id of the tool and aud MUST be (contain)
  // the issuer of the platform. Exact string comparison, no trailing-slash or case fixes (case 120).
  const iss = requiredString(payload, "iss");
  if (iss !== options.clientId) fail("dl_issuer_mismatch", "iss", "not the tool's client_id");
  const aud = get(payload, "aud");
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (aud === undefined) fail("dl_missing_claim", "aud", "required");
  if (audiences === undefined || audiences.length === 0 || !audiences.every((a) => typeof a === "string"))
    fail("dl_invalid_claim", "aud", "not a string or an array of strings");
  if (!audiences.includes(options.platformIssuer))
    fail("dl_audience_mismatch", "aud", "not the platform issuer");
  // OIDC Core §3.1.3.7 step 4: with several audiences, azp must name the client. Here the client is the
  // platform (the token's audience), so an azp, when present, must be the platform issuer.
  const azp = get(payload, "azp");
  if (audiences.length > 1 && azp !== options.platformIssuer)
    fail("dl_audience_mismatch", "azp", "several audiences without azp naming the platform");

  const leeway = options.leewaySeconds ?? DEFAULT_LEEWAY;
  const now = options.clock.now().getTime() / 1000;
  const exp = numericDate(payload, "exp");
  const iat = numericDate(payload, "iat");
  if (exp <= now - leeway) fail("dl_expired", "exp", "in the past");
  if (iat > now + leeway) fail("dl_expired", "iat", "in the future");

  // §4.5: deployment_id MUST be the deployment_id of the request.
  const deploymentId = requiredString(payload, CORE_CLAIMS.deploymentId);
  if (deploymentId !== options.deploymentId)
    fail("dl_deployment_mismatch", CORE_CLAIMS.deploymentId, "not the deployment of the request");

  // §4.5 data: when the request had one, the tool MUST echo it unchanged.
  const data = get(payload, DL_CLAIMS.data);
  if (options.data !== undefined) {
    if (data === undefined) fail("dl_data_mismatch", DL_CLAIMS.data, "missing, but the request sent one");
    if (data !== options.data) fail("dl_data_mismatch", DL_CLAIMS.data, "not the value the request sent");
  }

  // nonce: the response is a new JWT; §4.5 requires one, it must be fresh (case 151).
  const nonce = requiredString(payload, "nonce");
  if (nonce.length > 1024) fail("dl_invalid_claim", "nonce", "longer than 1024 characters");

  const response: DeepLinkingResponse = {
    deploymentId,
    items: [],
    skipped: [],
    cancelled: false,
    warnings: [],
    nonce,
    expiresAt: new Date(exp * 1000),
  };
  const message = optionalText(payload, DL_CLAIMS.msg);
  const log = optionalText(payload, DL_CLAIMS.log);
  const errorMessage = optionalText(payload, DL_CLAIMS.errormsg);
  const errorLog = optionalText(payload, DL_CLAIMS.errorlog);
  if (message !== undefined) response.message = message;
  if (log !== undefined) response.log = log;
  if (errorMessage !== undefined) response.errorMessage = errorMessage;
  if (errorLog !== undefined) response.errorLog = errorLog;

  readContentItems(get(payload, DL_CLAIMS.contentItems), options, response);
  return response;
}

function readContentItems(raw: unknown, options: ParseDeepLinkingOptions, out: DeepLinkingResponse): void {
  // §4.5 content_items: an array, which "may be empty" (case 155: cancelled). Absent is read as empty.
  // Interop: some tools omit the claim on cancel instead of sending [].
  if (raw === undefined || raw === null) {
    out.cancelled = true;
    return;
  }
  if (!Array.isArray(raw)) fail("dl_invalid_claim", DL_CLAIMS.contentItems, "not an array");
  const max = options.maxItems ?? DEFAULT_MAX_ITEMS;
  if (raw.length > max) fail("dl_invalid_claim", DL_CLAIMS.contentItems, `more than ${max} items`);
  out.cancelled = raw.length === 0;
  // §4.4.1 accept_multiple false: the tool MUST return at most one item (case 145).
  if (!options.acceptMultiple && raw.length > 1)
    fail("dl_multiple_not_accepted", DL_CLAIMS.contentItems, "several items, but accept_multiple was false");
  raw.forEach((item: unknown, index) => {
    if (!isObject(item))
      throw new DeepLinkingError("dl_invalid_item", `content item ${index}: not an object`, { index });
    const type = Object.hasOwn(item, "type") ? item.type : undefined;
    if (typeof type !== "string" || type === "")
      throw new DeepLinkingError("dl_invalid_item", `content item ${index}: type is required`, {
        index,
        field: "type",
      });
    // An unknown type is a newer or vendor item the platform cannot create: reported, never fatal, so the
    // known items of the same response are still created.
    if (!isDeepLinkItemType(type)) {
      out.skipped.push({ index, type: type.slice(0, 255), reason: "unknown_type" });
      return;
    }
    // §4.4.1 accept_types: the tool returns only these (case 145). A known type that was not offered shows a
    // tool ignoring the settings: refused by default, so the teacher sees why nothing was added.
    if (!options.acceptTypes.includes(type)) {
      if (options.unacceptedItems === "report") {
        out.skipped.push({ index, type, reason: "not_accepted" });
        return;
      }
      throw new DeepLinkingError(
        "dl_type_not_accepted",
        `content item ${index}: type ${type} was not offered`,
        {
          index,
          field: "type",
          reason: type,
        },
      );
    }
    const read = readItem(index, item, type);
    if (read.type === "ltiResourceLink" && read.lineItem !== undefined && options.acceptLineItem === false) {
      delete read.lineItem;
      out.warnings.push(`content item ${index}: lineItem ignored (accept_lineitem was false)`);
    }
    out.items.push(read);
  });
}

/**
 * Verifies a Deep Linking response posted as the form field `JWT`: the signature through `verifyJwt`, then
 * parseDeepLinkingResponse, then the nonce, which MUST NOT be reused (single use until exp): a replay
 * throws dl_replayed_nonce.
 */
export async function verifyDeepLinkingResponse(
  jwt: string,
  options: VerifyDeepLinkingOptions,
): Promise<DeepLinkingResponse> {
  let payload: unknown;
  try {
    payload = await options.verifyJwt(jwt);
  } catch (e) {
    if (isLtiError(e)) throw e;
    throw new DeepLinkingError("dl_invalid_jwt", "the response JWT failed verification", {}, { cause: e });
  }
  const response = parseDeepLinkingResponse(payload, options);
  if (await options.nonceStore.seen(`dl-response:${options.clientId}`, response.nonce, response.expiresAt))
    fail("dl_replayed_nonce", "nonce", "already used");
  return response;
}
