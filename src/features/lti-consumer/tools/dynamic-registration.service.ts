// LTI Dynamic Registration 1.0 with Pluto as the platform: the OpenID configuration Pluto publishes, the
// registration URL a site admin opens in the registration dialog (with a single-use registration token bound
// to them), and the registration a tool posts back, stored as a site tool (Pending unless the site
// auto-activates them). The protocol is src/lti/registration/; this applies it to Pluto's tables.
import type { AppContext } from "../../../app/context.js";
import { RegistrationError } from "../../../lti/errors.js";
import {
  parseClientRegistration,
  type ToolRegistrationRequest,
} from "../../../lti/registration/client-registration.js";
import {
  buildOpenIdConfiguration,
  type OpenIdConfiguration,
} from "../../../lti/registration/openid-configuration.js";
import {
  buildRegistrationResponse,
  describeRegistration,
  type RegistrationSummary,
} from "../../../lti/registration/registration-response.js";
import {
  buildRegistrationUrl,
  issueRegistrationToken,
  type RegistrationTokenOptions,
  registrationTokenFromHeader,
  spendRegistrationToken,
  verifyRegistrationToken,
} from "../../../lti/registration/registration-token.js";
import { AGS_SCOPES, isLoopback, NRPS_SCOPES } from "../../../lti/registration/vocab.js";
import { iso } from "../../../shared/clock.js";
import { NotFoundError, ValidationError } from "../../../shared/errors.js";
import { randomToken } from "../../../shared/secrets.js";
import {
  findToolRegistration,
  insertToolRegistration,
  moveToolRegistration,
  type ToolRegistration,
  updateToolRegistration,
} from "../../lti-common/deployments.service.js";
import { spentTokenStore } from "../../lti-common/nonces.service.js";
import { autoActivateDynamicTools, registrationTokenSecret } from "../../lti-common/platform-keys.service.js";
import { getUser } from "../../users/users.service.js";
import * as repo from "../lti-consumer.repository.js";
import { AUTH_PATH, JWKS_PATH, OPENID_CONFIGURATION_PATH, TOKEN_PATH } from "./tool-registrations.service.js";
import { matchToolType, type ToolType } from "./tool-types.service.js";

export { OPENID_CONFIGURATION_PATH, TOKEN_PATH } from "./tool-registrations.service.js";
export const REGISTER_PATH = "/lti/register";

type Ctx = Pick<AppContext, "db" | "clock" | "log" | "config">;

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, "");

/** Pluto on a loopback host (tests, a developer's machine): http URLs on loopback hosts are accepted. */
function onLoopback(publicUrl: string): boolean {
  try {
    return isLoopback(new URL(publicUrl).hostname);
  } catch {
    return false;
  }
}

/**
 * The scopes Pluto grants a registered tool besides openid: those of Assignment and Grade Services and
 * Names and Role Provisioning, which the token endpoint issues (services/token.service.ts). The ones a tool
 * asks for turn on its service switches; any other scope is dropped.
 */
export const SUPPORTED_SCOPES: readonly string[] = [...AGS_SCOPES, ...NRPS_SCOPES];

/** The document served at /lti/openid-configuration (DR §3.4); its issuer is the site's public URL. */
export function openIdConfiguration(publicUrl: string): OpenIdConfiguration {
  const b = base(publicUrl);
  return buildOpenIdConfiguration({
    issuer: b,
    authorizationEndpoint: `${b}${AUTH_PATH}`,
    tokenEndpoint: `${b}${TOKEN_PATH}`,
    jwksUri: `${b}${JWKS_PATH}`,
    registrationEndpoint: `${b}${REGISTER_PATH}`,
    scopesSupported: SUPPORTED_SCOPES,
    productFamilyCode: "pluto",
    version: "1.0",
    messagesSupported: [{ type: "LtiResourceLinkRequest" }, { type: "LtiDeepLinkingRequest" }],
    allowInsecureLoopback: onLoopback(publicUrl),
  });
}

async function tokenOptions(ctx: Ctx): Promise<RegistrationTokenOptions> {
  const b = base(ctx.config.publicUrl);
  return {
    issuer: b,
    registrationEndpoint: `${b}${REGISTER_PATH}`,
    key: { alg: "HS256", secret: await registrationTokenSecret(ctx) },
    clock: ctx.clock,
  };
}

/**
 * Starts a registration for a site admin: the tool's registration URL with Pluto's openid_configuration
 * and a fresh registration token (30 minutes, single use, its `sub` the admin). A URL that is not http(s)
 * is a 400 on the field `url`.
 */
export async function startRegistration(ctx: Ctx, toolUrl: unknown, actorUserId: number): Promise<string> {
  const typed = typeof toolUrl === "string" ? toolUrl.trim() : "";
  const bad = (why: string) =>
    new ValidationError(`Tool URL ${why}`, [{ field: "url", message: `Tool URL ${why}` }]);
  if (typed === "") throw bad("is required (the tool's registration URL)");
  if (typed.length > 2000) throw bad("must be at most 2000 characters");
  if (!/^https?:\/\/[^\s/]+/i.test(typed) || !URL.canParse(typed)) throw bad("must be an http or https URL");
  const { token, jti } = await issueRegistrationToken({
    ...(await tokenOptions(ctx)),
    subject: String(actorUserId),
  });
  let url: string;
  try {
    url = buildRegistrationUrl(typed, {
      openidConfiguration: `${base(ctx.config.publicUrl)}${OPENID_CONFIGURATION_PATH}`,
      registrationToken: token,
    });
  } catch (e) {
    throw bad(`cannot be used: ${(e as Error).message}`);
  }
  ctx.log.info(
    { event: "lti_dynamic_registration_started", actorUserId, toolOrigin: new URL(typed).origin, jti },
    "LTI dynamic registration started",
  );
  return url;
}

/**
 * The token is bound to the site admin who started the registration: it stops working once they are no
 * longer a site admin, or are suspended or gone.
 */
async function checkStarter(ctx: Ctx, sub: string | undefined): Promise<void> {
  const refused = () =>
    new RegistrationError(
      "invalid_registration_token",
      "The registration token's site administrator can no longer register tools.",
    );
  const id = Number(sub);
  if (!Number.isSafeInteger(id) || id <= 0) throw refused();
  let user: Awaited<ReturnType<typeof getUser>>;
  try {
    user = await getUser(ctx.db, id);
  } catch {
    throw refused();
  }
  if (!user.siteAdmin || user.suspended) throw refused();
}

function customLines(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

/**
 * A tool's registration request (DR §3.5.2): the Bearer token checked, the body checked, the token spent,
 * then the site tool stored with its registration and deployment in one transaction. Answers the 201 body
 * (DR §3.6). Refusals are RegistrationErrors (their `body` is RFC 7591's or RFC 6750's); nothing is stored.
 */
export async function registerTool(
  ctx: Ctx,
  authorization: string | undefined,
  body: unknown,
): Promise<{ response: Record<string, unknown>; toolTypeId: number; status: "active" | "pending" }> {
  const token = registrationTokenFromHeader(authorization);
  if (token === undefined)
    throw new RegistrationError("invalid_registration_token", "A registration token is required.");
  const options = await tokenOptions(ctx);
  const claims = await verifyRegistrationToken(token, options);
  await checkStarter(ctx, claims.sub);
  const reg = parseClientRegistration(body, {
    supportedScopes: ["openid", ...SUPPORTED_SCOPES],
    allowInsecureLoopback: onLoopback(ctx.config.publicUrl),
  });
  await spendRegistrationToken(claims, spentTokenStore(ctx.db));
  const summary = describeRegistration(reg);
  const status = (await autoActivateDynamicTools(ctx)) ? "active" : "pending";
  const clientId = randomToken(16);
  const deploymentId = "1";
  const now = iso(ctx.clock.now());
  const c = reg.toolConfiguration;
  const toolTypeId = await ctx.db.transaction().execute(async (trx) => {
    const t = await repo.insertToolType(
      trx,
      {
        name: reg.clientName.trim().slice(0, 254) || c.domain,
        description: (c.description ?? "").slice(0, 5000),
        baseUrl: c.targetLinkUri,
        cartridgeUrl: null,
        launchUrl: c.targetLinkUri,
        secureLaunchUrl: "",
        ltiVersion: "1.3",
        consumerKey: "",
        sharedSecret: "",
        iconUrl: reg.logoUri ?? "",
        secureIconUrl: "",
        customParameters: customLines(c.customParameters),
        launchContainer: "embed",
        // What the tool asked for (DR case 200): name and email only when it listed those claims; grades
        // with any AGS scope (as Moodle does), since the AGS scopes are granted only with "Accept grades".
        shareName: summary.privacy.shareName,
        shareEmail: summary.privacy.shareEmail,
        acceptGrades: summary.services.ags,
        showInPicker: true,
        vendorCode: "",
        vendorName: "",
      },
      now,
    );
    await insertToolRegistration(
      trx,
      {
        toolTypeId: t.id,
        issuer: options.issuer,
        clientId,
        deploymentId,
        initiateLoginUrl: reg.initiateLoginUri,
        redirectUris: reg.redirectUris,
        publicKeyType: "keyset",
        publicKeysetUrl: reg.jwksUri,
        publicKey: "",
        // A tool that lists LtiDeepLinkingRequest offers "Select content" at that message's URL.
        deepLinking: summary.deepLinking.supported,
        deepLinkingUrl: summary.deepLinking.url ?? "",
        status,
        registrationRequest: JSON.stringify(reg),
        // The service switches: on for the services whose scopes the tool asked for.
        services: { ags: summary.services.ags, nrps: summary.services.nrps },
      },
      now,
    );
    return t.id;
  });
  ctx.log.info(
    {
      event: "lti_dynamic_registration",
      toolTypeId,
      status,
      startedBy: claims.sub,
      grantedScopes: reg.scopes,
      droppedScopes: reg.droppedScopes,
    },
    "LTI tool registered dynamically",
  );
  return { response: buildRegistrationResponse(reg, { clientId, deploymentId }), toolTypeId, status };
}

/** What a dynamically registered tool asked for, or undefined for a tool registered by hand. */
export function registrationSummaryOf(r: ToolRegistration | undefined): RegistrationSummary | undefined {
  if (r === undefined || r.registrationRequest === "") return undefined;
  try {
    return describeRegistration(JSON.parse(r.registrationRequest) as ToolRegistrationRequest);
  } catch {
    return undefined;
  }
}

/** Activates a Pending LTI 1.3 site tool (the admin approved what it asked for); its launches then go. */
export async function activateTool(ctx: Ctx, toolTypeId: number, actorUserId: number): Promise<void> {
  const r = await findToolRegistration(ctx.db, { toolTypeId });
  if (r === undefined) throw new NotFoundError("LTI 1.3 tool");
  if (r.status === "active") return;
  await updateToolRegistration(ctx.db, toolTypeId, { status: "active" });
  ctx.log.info({ event: "lti_tool_activated", toolTypeId, actorUserId }, "LTI 1.3 tool activated");
}

/**
 * The LTI 1.1 site tool a Pending, dynamically registered tool may upgrade instead of being added beside
 * it: the 1.1 tool on the domain of its target_link_uri (the closest URL first), or undefined.
 */
export function upgradeCandidateOf(tools: readonly ToolType[], pending: ToolType): ToolType | undefined {
  return matchToolType(
    tools.filter((t) => t.ltiVersion === "1.1" && t.id !== pending.id),
    pending.launchUrl,
  );
}

/**
 * "Upgrade <existing tool>" on a Pending, dynamically registered tool: the existing LTI 1.1 site tool
 * takes the registration (the Client ID and Deployment ID the tool was given) and becomes LTI 1.3 in
 * place, launching at the registered target_link_uri; it keeps its id, name, settings, activities and
 * grades, and its consumer key and secret for the lti1p1 claim. The registered tool row goes; the
 * registration is active (the admin approved it). One transaction.
 */
export async function upgradeWithRegistration(
  ctx: Ctx,
  pendingId: number,
  existingId: number,
  actorUserId: number,
): Promise<ToolType> {
  const reg = await findToolRegistration(ctx.db, { toolTypeId: pendingId });
  const pending = await repo.findToolType(ctx.db, pendingId);
  if (!reg || !pending || reg.registrationRequest === "" || reg.status !== "pending")
    throw new NotFoundError("Pending dynamically registered tool");
  const existing = await repo.findToolType(ctx.db, existingId);
  if (!existing) throw new NotFoundError("External tool");
  if (upgradeCandidateOf([existing], pending)?.id !== existing.id) {
    const message = `“${existing.name}” is not an LTI 1.1 tool on the domain of the registered tool`;
    throw new ValidationError(message, [{ field: "existing", message }]);
  }
  const now = iso(ctx.clock.now());
  await ctx.db.transaction().execute(async (trx) => {
    const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = existing;
    await repo.updateToolType(
      trx,
      existing.id,
      {
        ...fields,
        ltiVersion: "1.3",
        baseUrl: pending.launchUrl,
        launchUrl: pending.launchUrl,
        secureLaunchUrl: "",
        cartridgeUrl: null,
      },
      now,
    );
    await moveToolRegistration(trx, pending.id, existing.id, now);
    await updateToolRegistration(trx, existing.id, { status: "active" });
    await repo.deleteToolType(trx, pending.id);
  });
  ctx.log.info(
    { event: "lti_tool_upgraded", toolTypeId: existing.id, registeredToolTypeId: pending.id, actorUserId },
    "LTI 1.1 tool upgraded to LTI 1.3 by its dynamic registration",
  );
  const upgraded = await repo.findToolType(ctx.db, existing.id);
  if (!upgraded) throw new NotFoundError("External tool");
  return upgraded;
}
