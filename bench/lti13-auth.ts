// The authentication requests of `npm run bench lti13-platform`: the login initiation Pluto's launch page
// posts to the tool, read from that page, turned into the request a tool sends back to /lti/auth (as
// test/support/lti13-tool.ts does, by redirect: a GET), each with its own state and nonce. The message
// hint in it is single use, so a pool holds one login initiation per measured request, taken in order.
import { readLaunchForm } from "../test/support/fake-lti-tool.js";

/** The login initiation fields an authentication request is built from (LTI 1.3 Core §4.1). */
export interface LoginInitiation {
  iss: string;
  login_hint: string;
  lti_message_hint: string;
  client_id: string;
}

/** A message hint lives five minutes (DEFAULT_MESSAGE_HINT_TTL_SECONDS): a run must use its pool well within. */
export const HINT_LIFETIME_SECONDS = 300;

/** The login initiation of a launch page, or an error naming what the page lacks. */
export function loginInitiationOf(html: string): LoginInitiation {
  const { fields } = readLaunchForm(html);
  const missing = ["iss", "login_hint", "lti_message_hint", "client_id"].filter((n) => !fields[n]);
  if (missing.length)
    throw new Error(`the launch page is not an LTI 1.3 login initiation (no ${missing.join(", ")})`);
  return {
    iss: fields.iss ?? "",
    login_hint: fields.login_hint ?? "",
    lti_message_hint: fields.lti_message_hint ?? "",
    client_id: fields.client_id ?? "",
  };
}

/** The path and query of the tool's authentication request for `login`, the `seq`th of the run. */
export function authRequestPath(login: LoginInitiation, redirectUri: string, seq: number): string {
  const q = new URLSearchParams({
    scope: "openid",
    response_type: "id_token",
    response_mode: "form_post",
    prompt: "none",
    client_id: login.client_id,
    redirect_uri: redirectUri,
    login_hint: login.login_hint,
    lti_message_hint: login.lti_message_hint,
    state: `bench-state-${seq}`,
    nonce: `bench-nonce-${process.pid}-${seq}`,
  });
  return `/lti/auth?${q.toString()}`;
}

/** A successful answer: the auto-submitting form that posts an id_token (a refusal posts `error`). */
export const ID_TOKEN_FORM = /<input type="hidden" name="id_token" value="[^"]+"/;

/**
 * Login initiations handed out once each, in order; `take` throws when the pool is spent or a hint would
 * be too old for the server to accept by the time the run ends.
 */
export class HintPool {
  private next = 0;
  constructor(
    private readonly logins: readonly LoginInitiation[],
    private readonly mintedAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.logins.length - this.next;
  }

  /** The next `count` login initiations, for a run of `seconds` from now. */
  take(count: number, seconds: number): LoginInitiation[] {
    if (count > this.size) throw new RangeError(`the pool has ${this.size} hints, the run needs ${count}`);
    const ageAtEnd = (this.now() - this.mintedAt) / 1000 + seconds;
    if (ageAtEnd >= HINT_LIFETIME_SECONDS - 30)
      throw new RangeError(
        `hints would be ${Math.round(ageAtEnd)} s old by the end of the run (they live ${HINT_LIFETIME_SECONDS} s)`,
      );
    const out = this.logins.slice(this.next, this.next + count);
    this.next += count;
    return out;
  }
}
