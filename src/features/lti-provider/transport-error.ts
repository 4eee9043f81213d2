// The error of a sync transport (grade-sync/transport.ts, member-sync/source.ts): a request to the consumer that failed,
// with whether trying again later can help. The services count and log it; the task runner retries.
import { UpstreamError } from "../../shared/errors.js";
import { OutboundError, type OutboundFailure } from "../../shared/outbound.js";

export type TransportFailure =
  /** The peer answered, and its answer was a refusal (a failure envelope, or an HTTP error status). */
  | "refused"
  /** The peer's answer could not be read as the protocol's response. */
  | "bad_response"
  /** The request could not be made or completed (see OutboundFailure). */
  | OutboundFailure;

/**
 * A send or read that failed at the peer. `retryable` says whether trying again later can help (the peer is
 * down or answered an error); `reason` is stable, `status` is the peer's HTTP status when it answered.
 */
export class TransportError extends UpstreamError {
  override name = "TransportError";
  constructor(
    readonly reason: TransportFailure,
    message: string,
    retryable: boolean,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, retryable, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

/** An outbound failure as a TransportError: the same message, reason and retryability. */
export function transportErrorOf(err: OutboundError): TransportError {
  return new TransportError(err.reason, err.message, err.retryable, { cause: err, status: err.status });
}

/** Runs an outbound request, turning an OutboundError into a TransportError. */
export async function outbound<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    throw err instanceof OutboundError ? transportErrorOf(err) : err;
  }
}
