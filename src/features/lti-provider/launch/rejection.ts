// Why a launch was refused: a stable reason code for the launch log and tests, and a sentence for the
// user. Protocol and enrolment errors map to reasons here; src/http/lti-errors.ts gives each reason
// its status.
import { isLtiError, type LtiErrorCode, ParameterError } from "../../../lti/errors.js";
import { AppError } from "../../../shared/errors.js";
import { EnrolmentError } from "../../enrolments/enrolments.service.js";

export type LaunchReason =
  | LtiErrorCode
  | "unknown_tool"
  | "tool_unavailable"
  | "lti_version_mismatch"
  | "course_full"
  | "method_disabled"
  | "enrolment_not_started"
  | "enrolment_ended"
  | "deep_linking_not_allowed"
  | "deep_linking_choice_unknown";

/** Why a launch was refused: a stable code for the log and tests, and a sentence for the user. */
export class LaunchRejected extends AppError {
  override name = "LaunchRejected";
  constructor(
    readonly reason: LaunchReason,
    message: string,
  ) {
    super("lti", message);
  }
}

const VERSION_NAMES = { "1.1": "Legacy LTI (1.1)", "1.3": "LTI Advantage (LTI 1.3)" } as const;

/**
 * A launch selects only a publication of its own LTI version: a 1.1 launch (consumer key and secret)
 * cannot reach an LTI Advantage publication, nor a 1.3 launch (custom parameter id=<uuid>) a Legacy
 * LTI one. Checked before anything else of the request, so nothing is verified or written for it.
 */
export function requireLtiVersion(pub: { ltiVersion: "1.1" | "1.3" }, launchVersion: "1.1" | "1.3"): void {
  if (pub.ltiVersion === launchVersion) return;
  throw new LaunchRejected(
    "lti_version_mismatch",
    `This tool is published for ${VERSION_NAMES[pub.ltiVersion]}; this launch uses ${VERSION_NAMES[launchVersion]}. Ask the course's teacher which LTI version to configure, or to change the published tool's "LTI version".`,
  );
}

const MESSAGES: Partial<Record<LtiErrorCode, string>> = {
  bad_signature: "The launch request's signature is not valid. Check the consumer key and secret.",
  stale_timestamp: "The launch request is too old (or the consumer's clock is wrong). Try again.",
  replayed_nonce: "This launch request was already used. Start the launch again from your course.",
  unsupported_signature_method:
    "The launch request uses a signature method Pluto does not accept (use HMAC-SHA1).",
  missing_parameter: "The launch request is missing a required parameter",
  invalid_parameter: "The launch request has an invalid parameter",
  unsupported_message_type: "Only basic LTI launch requests are accepted here.",
  unsupported_version: "This LTI version is not supported (LTI-1p0 and LTI-1p2 are).",
};

export function rejectionOf(err: unknown): LaunchRejected {
  if (err instanceof LaunchRejected) return err;
  if (err instanceof EnrolmentError) {
    return new LaunchRejected(
      err.reason === "full"
        ? "course_full"
        : err.reason === "disabled"
          ? "method_disabled"
          : `enrolment_${err.reason}`,
      err.message,
    );
  }
  if (isLtiError(err)) {
    const text = MESSAGES[err.code] ?? "The launch request was rejected.";
    const detail = err instanceof ParameterError ? `: ${err.parameter}.` : "";
    return new LaunchRejected(err.code, `${text}${detail}`);
  }
  throw err;
}
