// Third-party initiated login, tool side: the login initiation a platform sends Pluto (published as an LTI 1.3
// tool), and the OIDC authentication request Pluto answers it with. OpenID Connect Core §4 (third-party
// initiated login: "the Client MUST verify" target_link_uri), 1EdTech Security Framework §5.1.1.1–5.1.1.2,
// LTI 1.3 Core §4.1 (`lti_message_hint`, `lti_deployment_id`, `client_id`), Platform Storage drafts
// (lti-cs-oidc v0p1: `lti_storage_target`, the `lti_state_`/`lti_nonce_` keys). Conformance cases 78–87, 201–210;
// peers note §3 items 1–3 (never depend on a tool session cookie; bind state to the browser).
//
// Pure: the registered platforms, Pluto's own launch URLs and the clock come in as functions; the caller stores
// the returned binding (keyed by state), sets the cookie or renders the storage page, and redirects.
import { randomBytes } from "node:crypto";
import { ParameterError, ToolLaunchError } from "../errors.js";
import type { Clock } from "../ports.js";
import { OIDC_AUTH_REQUEST } from "../vocab/claims.js";

/** A platform registered with Pluto-the-tool: one (issuer, client_id) pair and what belongs to it. */
export interface RegisteredPlatform {
  /** The caller's id for the registration (its row). */
  id: string;
  /** The platform's issuer identifier, compared exactly (case 120: no trailing-slash or case fixes). */
  issuer: string;
  /** The client_id the platform gave Pluto. */
  clientId: string;
  /** The platform's OIDC authentication endpoint. */
  authEndpoint: string;
  /** Deployment ids the admin registered for this client (case 100: an unknown one is refused). */
  deploymentIds: readonly string[];
}

/** The registrations of an issuer (all its client ids); empty for an unknown issuer. */
export type PlatformsOfIssuer = (
  issuer: string,
) => readonly RegisteredPlatform[] | Promise<readonly RegisteredPlatform[]>;

/** The login initiation as received (Security Framework §5.1.1.1). */
export interface ToolLoginRequest {
  iss: string;
  login_hint: string;
  target_link_uri: string;
  lti_message_hint?: string;
  client_id?: string;
  /** LTI Core §4.1; Canvas sends the non-standard `deployment_id`, read as the same (case 83). */
  lti_deployment_id?: string;
  /** Platform Storage: the frame to post storage messages to (case 201). */
  lti_storage_target?: string;
}

/** Request fields as the HTTP layer parses them (GET query or POST form): a repeated name gives an array. */
export type ToolLoginParams = Readonly<Record<string, unknown>>;

const MAX_PARAM_LENGTH = 8 * 1024;

function readParam(params: ToolLoginParams, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === "") return undefined;
  if (Array.isArray(v)) throw new ParameterError("invalid_parameter", name, "sent more than once");
  if (typeof v !== "string" || v.length > MAX_PARAM_LENGTH)
    throw new ParameterError("invalid_parameter", name, "not a string of acceptable length");
  return v;
}

/**
 * Reads a login initiation (case 78: GET query or POST form alike). Case 79: `iss`, `login_hint` and
 * `target_link_uri` are required; a missing one is a `missing_parameter`, a repeated one an
 * `invalid_parameter`. Unknown parameters (Canvas's `canvas_region`, …) are ignored.
 */
export function parseToolLogin(params: ToolLoginParams): ToolLoginRequest {
  const required = (name: string) => {
    const v = readParam(params, name);
    if (v === undefined) throw new ParameterError("missing_parameter", name);
    return v;
  };
  const out: ToolLoginRequest = {
    iss: required("iss"),
    login_hint: required("login_hint"),
    target_link_uri: required("target_link_uri"),
  };
  const hint = readParam(params, "lti_message_hint");
  if (hint !== undefined) out.lti_message_hint = hint;
  const clientId = readParam(params, "client_id");
  if (clientId !== undefined) out.client_id = clientId;
  const standard = readParam(params, "lti_deployment_id");
  const canvas = readParam(params, "deployment_id");
  if (standard !== undefined && canvas !== undefined && standard !== canvas)
    throw new ParameterError("invalid_parameter", "lti_deployment_id", "differs from deployment_id");
  const deploymentId = standard ?? canvas;
  if (deploymentId !== undefined) out.lti_deployment_id = deploymentId;
  const target = readParam(params, "lti_storage_target");
  if (target !== undefined) out.lti_storage_target = target;
  return out;
}

/**
 * Finds the registration a login initiation is for. Case 80: an unknown `iss`, or an unknown (`iss`,
 * `client_id`) pair, is refused. Case 81: without `client_id`, only an issuer with exactly one registration
 * is accepted; one with several is `platform_client_ambiguous` (the platform must send `client_id`).
 */
export function selectPlatform(
  request: Pick<ToolLoginRequest, "iss" | "client_id">,
  registrations: readonly RegisteredPlatform[],
): RegisteredPlatform {
  const ofIssuer = registrations.filter((p) => p.issuer === request.iss);
  const details = {
    issuer: request.iss,
    ...(request.client_id === undefined ? {} : { clientId: request.client_id }),
  };
  if (ofIssuer.length === 0)
    throw new ToolLaunchError("platform_unknown", "No platform is registered with this issuer", details);
  if (request.client_id !== undefined) {
    const found = ofIssuer.find((p) => p.clientId === request.client_id);
    if (found === undefined) {
      throw new ToolLaunchError(
        "platform_unknown",
        "No registration of this issuer has this client_id",
        details,
      );
    }
    return found;
  }
  if (ofIssuer.length > 1) {
    throw new ToolLaunchError(
      "platform_client_ambiguous",
      `The issuer has ${ofIssuer.length} registrations and the login initiation names no client_id`,
      details,
    );
  }
  return ofIssuer[0]!;
}

/** How long the login's state and nonce are good for (pylti1.3 keeps them 5 min, ltijs its cookie 60 s). */
export const DEFAULT_LOGIN_TTL_SECONDS = 300;
/** Case 85: state and nonce carry at least 128 bits; these carry 256. */
const RANDOM_BYTES = 32;

/**
 * What the launch must find again: the caller stores it keyed by `state` (server side) and binds `state` to
 * the browser. `verifyToolLaunch` takes it back.
 */
export interface LoginBinding {
  state: string;
  nonce: string;
  platformId: string;
  issuer: string;
  clientId: string;
  /** From the login initiation: the launch's `deployment_id` must equal it (case 83). */
  deploymentId?: string;
  targetLinkUri: string;
  expiresAt: Date;
  /**
   * Set when the login bound by Platform Storage: where the launch page sends `lti.get_data` for
   * `storageKeys(state)` when the cookie did not come back (the frame, and the platform's origin).
   */
  storage?: { target: string; origin: string };
}

/** A cookie the caller sets as given (`setCookie` is the whole Set-Cookie value). */
export interface StateCookie {
  name: string;
  value: string;
  setCookie: string;
  /** The Set-Cookie value that deletes it, for after the launch. */
  clearCookie: string;
}

/**
 * Where the browser keeps its proof of the login (peers note §3 item 1: platform storage first, partitioned
 * cookie second, a new window third).
 *
 * - `platform_storage`: the platform offered `lti_storage_target`. The caller serves a page that sends
 *   `lti.put_data` for each of `items` to `storageTarget` with `targetOrigin` (the origin of the platform's
 *   authentication endpoint, never `*`, case 202), then navigates to the redirect URL. The cookie is set too:
 *   where it survives, it is proof enough.
 * - `partitioned_cookie`: the caller sets `cookie` (`SameSite=None; Secure; Partitioned`: a cookie keyed to the
 *   platform's site survives third-party cookie blocking in Chromium) and redirects.
 * - `new_window`: no storage, in a frame, and cookies known to be blocked there: no auth request is made. The
 *   caller shows a page whose form posts `relaunch` to Pluto's login URL with `target="_blank"`; at top level
 *   the login then binds by cookie.
 */
export type BrowserBinding =
  | {
      kind: "platform_storage";
      storageTarget: string;
      targetOrigin: string;
      items: readonly { key: string; value: string }[];
      cookie: StateCookie;
    }
  | { kind: "partitioned_cookie"; cookie: StateCookie }
  | { kind: "new_window"; relaunch: ToolLoginRequest };

/** The Platform Storage keys of a login (peers note §4.1: `lti_state_<state>`; the nonce keyed by state too). */
export function storageKeys(state: string): { state: string; nonce: string } {
  return { state: `lti_state_${state}`, nonce: `lti_nonce_${state}` };
}

/** The name of a login's state cookie: one per login, so two launches in two tabs do not clash. */
export function stateCookieName(state: string): string {
  return `lti1p3_state_${state}`;
}

export function stateCookie(state: string, ttlSeconds: number, path = "/"): StateCookie {
  const name = stateCookieName(state);
  const attrs = `Path=${path}; Secure; HttpOnly; SameSite=None; Partitioned`;
  return {
    name,
    value: state,
    setCookie: `${name}=${state}; Max-Age=${ttlSeconds}; ${attrs}`,
    clearCookie: `${name}=; Max-Age=0; ${attrs}`,
  };
}

export interface BindingContext {
  /** The request's `Sec-Fetch-Dest` header: `iframe` when the login runs inside the platform's page. */
  fetchDest?: string;
  /**
   * True when the caller knows this browser drops Pluto's cookies in the frame (a launch from it already came
   * back with neither cookie nor storage proof). Only then, without storage, is `new_window` chosen.
   */
  cookiesBlocked?: boolean;
}

/** The browser binding strategy, decided from what the login initiation and the request say. */
export function chooseBrowserBinding(
  request: ToolLoginRequest,
  context: BindingContext,
): "platform_storage" | "partitioned_cookie" | "new_window" {
  if (request.lti_storage_target !== undefined) return "platform_storage";
  if (context.fetchDest === "iframe" && context.cookiesBlocked === true) return "new_window";
  return "partitioned_cookie";
}

export interface ToolLoginOptions {
  findPlatforms: PlatformsOfIssuer;
  /** True for one of Pluto's own launch URLs (case 84: Pluto is no open redirector). */
  isOwnLaunchUrl: (url: string) => boolean;
  /** Pluto's redirect URI, byte for byte as registered with the platform (case 87). */
  redirectUri: string;
  clock: Clock;
  context?: BindingContext;
  ttlSeconds?: number;
  /** The cookie's Path (default `/`). */
  cookiePath?: string;
}

export type ToolLoginResult =
  | {
      action: "redirect";
      platform: RegisteredPlatform;
      /** The authentication request as a GET URL (the platform's endpoint, its own query kept). */
      redirectUrl: string;
      /** The same parameters, for a form POST to `platform.authEndpoint` instead. */
      authRequest: Record<string, string>;
      binding: LoginBinding;
      browser: Exclude<BrowserBinding, { kind: "new_window" }>;
    }
  | {
      action: "new_window";
      platform: RegisteredPlatform;
      browser: Extract<BrowserBinding, { kind: "new_window" }>;
    };

/** True for an absolute http(s) URL. */
export function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

function requireOwnUrl(url: string, isOwnLaunchUrl: (url: string) => boolean): void {
  if (!isHttpUrl(url) || !isOwnLaunchUrl(url)) {
    throw new ToolLaunchError(
      "target_link_uri_foreign",
      "target_link_uri is not one of Pluto's launch URLs",
      {
        claim: "target_link_uri",
        reason: url.slice(0, 200),
      },
    );
  }
}

/**
 * Answers a login initiation: checks it (cases 79–84), creates state and nonce (case 85) and builds the
 * authentication request (case 86), with the browser binding to use. Rejects with a ParameterError or a
 * ToolLaunchError; nothing is to be stored then.
 */
export async function handleToolLogin(
  params: ToolLoginParams,
  options: ToolLoginOptions,
): Promise<ToolLoginResult> {
  const request = parseToolLogin(params);
  const platform = selectPlatform(request, await options.findPlatforms(request.iss));
  requireOwnUrl(request.target_link_uri, options.isOwnLaunchUrl);
  // Case 83 (and case 100): a deployment the admin did not register is refused before the platform is asked.
  if (
    request.lti_deployment_id !== undefined &&
    !platform.deploymentIds.includes(request.lti_deployment_id)
  ) {
    throw new ToolLaunchError("deployment_unknown", "This deployment is not registered for the platform", {
      issuer: platform.issuer,
      clientId: platform.clientId,
      deploymentId: request.lti_deployment_id,
    });
  }
  const strategy = chooseBrowserBinding(request, options.context ?? {});
  if (strategy === "new_window")
    return { action: "new_window", platform, browser: { kind: "new_window", relaunch: request } };

  const ttl = options.ttlSeconds ?? DEFAULT_LOGIN_TTL_SECONDS;
  const state = randomBytes(RANDOM_BYTES).toString("base64url");
  const nonce = randomBytes(RANDOM_BYTES).toString("base64url");
  const binding: LoginBinding = {
    state,
    nonce,
    platformId: platform.id,
    issuer: platform.issuer,
    clientId: platform.clientId,
    targetLinkUri: request.target_link_uri,
    expiresAt: new Date(options.clock.now().getTime() + ttl * 1000),
  };
  if (request.lti_deployment_id !== undefined) binding.deploymentId = request.lti_deployment_id;

  const authRequest = buildAuthRequest({
    clientId: platform.clientId,
    redirectUri: options.redirectUri,
    loginHint: request.login_hint,
    ...(request.lti_message_hint === undefined ? {} : { messageHint: request.lti_message_hint }),
    state,
    nonce,
  });
  let endpoint: URL;
  try {
    endpoint = new URL(platform.authEndpoint);
  } catch {
    throw new ParameterError("invalid_parameter", "authEndpoint", "not an absolute URL");
  }
  for (const [name, value] of Object.entries(authRequest)) endpoint.searchParams.set(name, value);
  const cookie = stateCookie(state, ttl, options.cookiePath);
  const keys = storageKeys(state);
  if (strategy === "platform_storage")
    binding.storage = { target: request.lti_storage_target!, origin: endpoint.origin };
  const browser: Exclude<BrowserBinding, { kind: "new_window" }> =
    strategy === "platform_storage"
      ? {
          kind: "platform_storage",
          storageTarget: request.lti_storage_target!,
          targetOrigin: endpoint.origin,
          items: [
            { key: keys.state, value: state },
            { key: keys.nonce, value: nonce },
          ],
          cookie,
        }
      : { kind: "partitioned_cookie", cookie };
  return { action: "redirect", platform, redirectUrl: endpoint.toString(), authRequest, binding, browser };
}

/**
 * The authentication request's parameters (Security Framework §5.1.1.2; case 86). Case 82: `lti_message_hint`
 * is echoed unchanged when the login initiation carried one.
 */
export function buildAuthRequest(input: {
  clientId: string;
  redirectUri: string;
  loginHint: string;
  messageHint?: string;
  state: string;
  nonce: string;
}): Record<string, string> {
  const out: Record<string, string> = {
    scope: OIDC_AUTH_REQUEST.scope,
    response_type: OIDC_AUTH_REQUEST.responseType,
    response_mode: OIDC_AUTH_REQUEST.responseMode,
    prompt: OIDC_AUTH_REQUEST.prompt,
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
    login_hint: input.loginHint,
    state: input.state,
    nonce: input.nonce,
  };
  if (input.messageHint !== undefined) out.lti_message_hint = input.messageHint;
  return out;
}

/**
 * What the browser showed at the launch: the state cookie's value (undefined when it did not come back), or
 * the values the launch page read from Platform Storage under `storageKeys(state)` and posted.
 */
export type BrowserProof =
  | { kind: "cookie"; value: string | undefined }
  | { kind: "platform_storage"; state: string | undefined; nonce: string | undefined };
