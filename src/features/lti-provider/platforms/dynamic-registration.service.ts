// Dynamic Registration, tool side (Pluto as an LTI 1.3 tool; Dynamic Registration 1.0): a site admin makes a
// Registration URL (single use, one hour) and gives it to the platform's admin; the platform opens it with
// `openid_configuration` (and a `registration_token` when it has one). Pluto fetches and checks the
// configuration, posts its registration to the platform's registration endpoint, and registers the platform
// (registerPlatform): Active when the platform answered a deployment id, Pending otherwise.
//
// Spending: the URL is spent when its registration starts (one guarded UPDATE, so a second opening, on any
// node, is refused); an opening without openid_configuration (a link preview, say) does not start one. A
// refusal before the platform has registered Pluto (a configuration that does not hold, a platform that
// cannot be reached or refused) gives the URL back, so the platform's admin can try again once the problem
// is fixed; once the platform has answered with a client id the URL stays spent, whatever happens next, so
// one URL never makes two registrations.
import type { AppContext } from "../../../app/context.js";
import { ToolRegistrationError } from "../../../lti/errors.js";
import {
  type CheckedPlatformConfiguration,
  checkPlatformConfiguration,
  parseRegistrationInitiation,
} from "../../../lti/registration/platform-configuration-check.js";
import {
  buildToolRegistrationRequest,
  parseToolRegistrationResponse,
  type ToolRegistrationResult,
} from "../../../lti/registration/tool-registration-request.js";
import { addSeconds, iso } from "../../../shared/clock.js";
import { type Fetch, OutboundError } from "../../../shared/outbound.js";
import { randomToken, sha256Hex } from "../../../shared/secrets.js";
import { allowsInsecureLoopback, type Platform, registerPlatform } from "./platforms.service.js";
import * as repo from "./registration-urls.repository.js";
import { TOOL_REGISTRATION_PATH, toolDetails } from "./tool-endpoints.js";

type Ctx = Pick<AppContext, "db" | "clock" | "config" | "engine">;

/** How long a Registration URL can be used. */
export const REGISTRATION_URL_SECONDS = 3600;
/** The largest configuration or registration answer read: a few kilobytes in practice. */
const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface RegistrationUrl {
  url: string;
  expiresAt: string;
}

/** A new single-use Registration URL; only the sha256 of its token is stored. */
export async function createRegistrationUrl(ctx: Ctx): Promise<RegistrationUrl> {
  const token = randomToken(32);
  const now = ctx.clock.now();
  const expiresAt = iso(addSeconds(now, REGISTRATION_URL_SECONDS));
  await repo.insertRegistrationUrl(ctx.db, { tokenHash: sha256Hex(token), createdAt: iso(now), expiresAt });
  const base = ctx.config.publicUrl.replace(/\/+$/, "");
  return { url: `${base}${TOOL_REGISTRATION_PATH}/${token}`, expiresAt };
}

/** Deletes the Registration URLs that expired (the LTI cleanup task). */
export function purgeRegistrationUrls(db: Ctx["db"], now: Date): Promise<number> {
  return repo.deleteExpiredRegistrationUrls(db, iso(now));
}

export type DynamicRegistrationReason =
  | "registration_url_unknown"
  | "registration_url_expired"
  | "registration_url_used"
  | "platform_unreachable"
  | "platform_duplicate"
  | ToolRegistrationError["code"];

/** A registration that did not happen: `reason` for the log and the status, `message` for the page. */
export class DynamicRegistrationRefused extends Error {
  override name = "DynamicRegistrationRefused";
  constructor(
    readonly reason: DynamicRegistrationReason,
    message: string,
    readonly details: { field?: string; status?: number; platformError?: string; issuer?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SPEND_REFUSALS = {
  unknown: ["registration_url_unknown", "This registration URL is not one this site made."],
  expired: [
    "registration_url_expired",
    "This registration URL has expired. Ask the site administrator for a new one.",
  ],
  used: [
    "registration_url_used",
    "This registration URL has been used already. Ask the site administrator for a new one.",
  ],
} as const;

export interface DynamicRegistrationResult {
  platform: Platform;
  configuration: CheckedPlatformConfiguration;
  registration: ToolRegistrationResult;
  /** Whether a registration_token was given (and sent as the Bearer token). */
  withToken: boolean;
}

async function askPlatform(fetch: Fetch, url: string, what: string, init: Parameters<Fetch>[1]) {
  try {
    return await fetch(url, { maxBytes: MAX_DOCUMENT_BYTES, ...init, acceptAnyStatus: true });
  } catch (cause) {
    const reason = cause instanceof OutboundError ? cause.message : "it did not answer";
    throw new DynamicRegistrationRefused(
      "platform_unreachable",
      `The platform's ${what} could not be read: ${reason}`,
      {},
      { cause },
    );
  }
}

async function readConfiguration(
  fetch: Fetch,
  configurationUrl: string,
  loopback: boolean,
): Promise<CheckedPlatformConfiguration> {
  const res = await askPlatform(fetch, configurationUrl, "openid_configuration", {
    headers: { accept: "application/json" },
  });
  if (res.status !== 200)
    throw new DynamicRegistrationRefused(
      "platform_unreachable",
      `The platform's openid_configuration answered ${res.status} instead of its configuration.`,
      { status: res.status },
    );
  let doc: unknown;
  try {
    doc = JSON.parse(res.body.toString("utf8"));
  } catch {
    throw new ToolRegistrationError("dr_invalid_configuration", "The platform's configuration is not JSON.");
  }
  return checkPlatformConfiguration(doc, configurationUrl, { allowInsecureLoopback: loopback });
}

/** The platform's name in Pluto: its product and host, as the admin would say it. */
function platformName(c: CheckedPlatformConfiguration): string {
  return `${c.productFamilyCode} (${new URL(c.issuer).host})`.slice(0, 255);
}

/**
 * Registers the platform that opened the Registration URL `token` with `query` (its initiation parameters).
 * Outbound requests go through `fetch` (the SSRF guard). Throws DynamicRegistrationRefused.
 */
export async function registerByDynamicRegistration(
  ctx: Ctx,
  fetch: Fetch,
  token: string,
  query: Record<string, unknown>,
): Promise<DynamicRegistrationResult> {
  const loopback = allowsInsecureLoopback(ctx.config.publicUrl);
  // Checked before the URL is spent: a link preview or a HEAD request, which sends no openid_configuration,
  // touches nothing.
  let initiation: ReturnType<typeof parseRegistrationInitiation>;
  try {
    initiation = parseRegistrationInitiation(query, { allowInsecureLoopback: loopback });
  } catch (err) {
    throw refusalOf(err);
  }
  const tokenHash = sha256Hex(token);
  const spent = await repo.spendRegistrationUrl(ctx.db, tokenHash, iso(ctx.clock.now()));
  if (spent !== "spent") {
    const [reason, message] = SPEND_REFUSALS[spent];
    throw new DynamicRegistrationRefused(reason, message);
  }
  let registered = false;
  try {
    const configuration = await readConfiguration(fetch, initiation.openidConfiguration, loopback);
    const tool = toolDetails(ctx.config.publicUrl);
    const body = buildToolRegistrationRequest(
      {
        clientName: `Pluto LMS (${new URL(ctx.config.publicUrl).host})`,
        initiateLoginUri: tool.initiateLoginUrl,
        redirectUris: tool.redirectUris,
        jwksUri: tool.publicKeysetUrl,
        targetLinkUri: tool.toolUrl,
        deepLinkingUri: tool.deepLinkingUrl,
      },
      configuration,
    );
    // DR §3.5.2: the registration token, when the platform gave one, is the Bearer token of this request.
    const res = await askPlatform(fetch, configuration.registrationEndpoint, "registration endpoint", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(initiation.registrationToken ? { authorization: `Bearer ${initiation.registrationToken}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const registration = parseToolRegistrationResponse(res.status, res.body.toString("utf8"));
    registered = true;
    const platform = await registerPlatform(ctx, {
      name: platformName(configuration),
      issuer: configuration.issuer,
      clientId: registration.clientId,
      authenticationRequestUrl: configuration.authorizationEndpoint,
      accessTokenUrl: configuration.tokenEndpoint,
      publicKeysetUrl: configuration.jwksUri,
      authorizationServer: configuration.authorizationServer ?? "",
      deploymentIds: registration.deploymentId === undefined ? [] : [registration.deploymentId],
    }).catch((cause: unknown) => {
      throw storeRefusal(cause, configuration, registration) ?? cause;
    });
    return { platform, configuration, registration, withToken: initiation.registrationToken !== undefined };
  } catch (err) {
    if (!registered) await repo.releaseRegistrationUrl(ctx.db, tokenHash);
    throw refusalOf(err);
  }
}

/** A protocol refusal as the use case's; anything else as it is. */
function refusalOf(err: unknown): unknown {
  return err instanceof ToolRegistrationError
    ? new DynamicRegistrationRefused(err.code, err.message, err.details, { cause: err })
    : err;
}

/** The platform registered Pluto but Pluto could not store it: a duplicate, or an endpoint it refuses. */
function storeRefusal(
  cause: unknown,
  c: CheckedPlatformConfiguration,
  r: ToolRegistrationResult,
): DynamicRegistrationRefused | undefined {
  const code = (cause as { code?: unknown }).code;
  if (code === "conflict")
    return new DynamicRegistrationRefused(
      "platform_duplicate",
      `A platform with Platform ID ${c.issuer} and Client ID ${r.clientId} is already registered on this site.`,
      { issuer: c.issuer },
      { cause },
    );
  if (code === "validation")
    return new DynamicRegistrationRefused(
      "dr_invalid_configuration",
      `The platform's details cannot be registered: ${(cause as Error).message}`,
      { issuer: c.issuer },
      { cause },
    );
  return undefined;
}
