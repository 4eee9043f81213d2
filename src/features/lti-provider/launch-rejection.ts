// Why a launch was refused: a stable reason code for the launch log and tests, a sentence for the
// user, and the HTTP status the route answers with. Protocol and enrolment errors map to reasons here.
import { isLtiError, ParameterError } from "../../lti/errors.js";
import { AppError } from "../../shared/errors.js";
import { EnrolmentError } from "../enrolments/enrolments.service.js";

/** Why a launch was refused: a stable code for the log and tests, and a sentence for the user. */
export class LaunchRejected extends AppError {
  override name = "LaunchRejected";
  constructor(
    readonly reason: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 = 400,
  ) {
    super("lti", message);
  }
}

const MESSAGES: Record<string, [string, LaunchRejected["status"]]> = {
  bad_signature: ["The launch request's signature is not valid. Check the consumer key and secret.", 401],
  stale_timestamp: ["The launch request is too old (or the consumer's clock is wrong). Try again.", 401],
  replayed_nonce: ["This launch request was already used. Start the launch again from your course.", 401],
  unsupported_signature_method: [
    "The launch request uses a signature method Pluto does not accept (use HMAC-SHA1).",
    401,
  ],
  missing_parameter: ["The launch request is missing a required parameter", 400],
  invalid_parameter: ["The launch request has an invalid parameter", 400],
  unsupported_message_type: ["Only basic LTI launch requests are accepted here.", 400],
  unsupported_version: ["This LTI version is not supported (LTI-1p0 and LTI-1p2 are).", 400],
};

export function rejectionOf(err: unknown): LaunchRejected {
  if (err instanceof LaunchRejected) return err;
  if (err instanceof EnrolmentError) {
    const status = err.reason === "full" ? 409 : 403;
    return new LaunchRejected(
      err.reason === "full"
        ? "course_full"
        : err.reason === "disabled"
          ? "method_disabled"
          : `enrolment_${err.reason}`,
      err.message,
      status,
    );
  }
  if (isLtiError(err)) {
    const [text, status] = MESSAGES[err.code] ?? ["The launch request was rejected.", 400];
    const detail = err instanceof ParameterError ? `: ${err.parameter}.` : "";
    return new LaunchRejected(err.code, `${text}${detail}`, status);
  }
  throw err;
}
