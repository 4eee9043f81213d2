// The service token endpoint (Pluto as an LTI 1.3 platform): a tool trades a client assertion signed with
// its key for a Bearer access token it sends to Assignment and Grade Services and Names and Role
// Provisioning Services (1EdTech Security Framework §4.1). The protocol is src/lti/v1p3/client-assertion.ts;
// this finds the tool, its keys and what it may have. A token is bound to the site tool (not to a course:
// AGS tokens are per tool, conformance case 138), lives an hour, and is kept in the database as a SHA-256
// only, so every node and a restart honour it until it expires.
import type { AppContext } from "../../../app/context.js";
import { BearerTokenError, LtiError, TokenRequestError } from "../../../lti/errors.js";
import { AGS_SCOPES, NRPS_SCOPES } from "../../../lti/registration/vocab.js";
import {
  grantScopes,
  parseTokenRequest,
  peekClientAssertion,
  type TokenRequest,
  verifyClientAssertion,
} from "../../../lti/v1p3/client-assertion.js";
import { iso } from "../../../shared/clock.js";
import { randomToken, sha256Hex } from "../../../shared/secrets.js";
import { toolNonceStore } from "../../lti-common/nonces.service.js";
import type { ToolType } from "../lti-consumer.repository.js";
import * as repo from "../lti-consumer.repository.js";
import { toolKeyset } from "../tool-keysets.service.js";
import {
  findRegistrationByClientId,
  platformDetails,
  type ToolRegistration,
} from "../tools/tool-registrations.service.js";

/** Case 13 of the pitfalls (stale tokens → 401 loops) is the tool's; Pluto's tokens live an hour at most. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

type Ctx = Pick<AppContext, "db" | "clock" | "log" | "config">;

/**
 * What a tool may be granted now, the one rule for every LTI 1.3 service (the token endpoint, each
 * service's check of a token, and the launch claims that advertise a service): the AGS scopes while the
 * site admin has both "IMS LTI Assignment and Grade Services" and "Accept grades from the tool" on, the
 * NRPS scope while "IMS LTI Names and Role Provisioning" is on (names and emails still follow the privacy
 * settings). A dynamically registered tool's switches start as the scopes it asked for.
 */
export function allowedScopes(
  tool: Pick<ToolType, "acceptGrades">,
  r: Pick<ToolRegistration, "services">,
): string[] {
  return [
    ...(r.services.ags && tool.acceptGrades ? AGS_SCOPES : []),
    ...(r.services.nrps ? NRPS_SCOPES : []),
  ];
}

export interface AccessTokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

const tokenUrlOf = (publicUrl: string) => platformDetails(publicUrl).accessTokenUrl;

function refusedClient(reason: string, description: string): TokenRequestError {
  return new TokenRequestError("invalid_client", reason, description);
}

/**
 * Answers a token request: the form checked, the tool found by the assertion's client_id (active, LTI
 * 1.3), the assertion verified with its keys (the jti remembered under its deployment), the scopes granted
 * (requested ∩ allowed), and a fresh token stored by its hash. Refusals are TokenRequestErrors whose body
 * is RFC 6749 §5.2's; nothing is stored for them.
 */
export async function issueAccessToken(
  ctx: Ctx,
  contentType: string | undefined,
  body: unknown,
): Promise<{ response: AccessTokenResponse; toolTypeId: number; clientId: string }> {
  const request = parseTokenRequest(contentType, body);
  const peek = peekClientAssertion(request.clientAssertion);
  try {
    return await issueFor(ctx, request, peek);
  } catch (e) {
    if (e instanceof TokenRequestError) e.clientId = peek.clientId.slice(0, 255);
    throw e;
  }
}

async function issueFor(
  ctx: Ctx,
  request: TokenRequest,
  peek: { clientId: string; kid?: string },
): Promise<{ response: AccessTokenResponse; toolTypeId: number; clientId: string }> {
  const reg = await findRegistrationByClientId(ctx.db, peek.clientId);
  if (reg === undefined) throw refusedClient("unknown_client", "No tool is registered with this client_id.");
  if (reg.status !== "active")
    throw refusedClient("client_not_active", "This tool is not activated on the platform yet.");
  const tool = await repo.findToolType(ctx.db, reg.toolTypeId);
  if (tool === undefined) throw refusedClient("unknown_client", "No tool is registered with this client_id.");
  let keys: Awaited<ReturnType<typeof toolKeyset>>;
  try {
    // A pasted key is the tool's one key, whatever kid the tool gives it (the header must still carry one).
    keys = await toolKeyset(
      ctx,
      reg.publicKeyType === "key"
        ? { publicKey: reg.publicKey, ...(peek.kid === undefined ? {} : { kid: peek.kid }) }
        : { jwksUrl: reg.publicKeysetUrl },
    );
  } catch (e) {
    if (!(e instanceof LtiError)) throw e;
    throw refusedClient("tool_key_unusable", "The tool's registered public key cannot be used.");
  }
  const nonces = toolNonceStore(ctx.db, ctx.clock, { toolTypeId: tool.id });
  const assertion = await verifyClientAssertion(request.clientAssertion, {
    clientId: reg.clientId,
    tokenUrl: tokenUrlOf(ctx.config.publicUrl),
    keys,
    clock: ctx.clock,
    // The tool's deployment's nonces, apart from any OAuth 1.0a nonce by the prefix.
    jtiStore: { seen: (clientId, jti, expiresAt) => nonces.seen(clientId, `jti:${jti}`, expiresAt) },
  });
  const scopes = grantScopes(request.scopes, allowedScopes(tool, reg));
  const token = randomToken(32);
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000);
  await repo.insertAccessToken(
    ctx.db,
    {
      tokenHash: sha256Hex(token),
      toolTypeId: tool.id,
      clientId: reg.clientId,
      scopes,
      expiresAt: iso(expiresAt),
    },
    iso(now),
  );
  ctx.log.info(
    {
      event: "lti_access_token_issued",
      toolTypeId: tool.id,
      clientId: reg.clientId,
      jti: assertion.jti,
      scopes,
      refusedScopes: request.scopes.filter((s) => !scopes.includes(s)),
    },
    "LTI access token issued",
  );
  return {
    response: {
      access_token: token,
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      scope: scopes.join(" "),
    },
    toolTypeId: tool.id,
    clientId: reg.clientId,
  };
}

export interface VerifiedAccessToken {
  tool: ToolType;
  registration: ToolRegistration;
  /** The token's scopes the tool may still have (an admin's change applies at once). */
  scopes: string[];
}

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1), or undefined. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? "");
  return m?.[1];
}

/**
 * The tool a service request's Bearer token was issued to, with its scopes; for AGS and NRPS. The token must
 * be one Pluto issued (on any node), not expired, its tool still registered and active, and it must carry
 * one of `requiredScope` (several: any one of them, e.g. lineitem or lineitem.readonly for a read).
 * Refusals are BearerTokenErrors: invalid_token (401) or insufficient_scope (403), with their challenge.
 */
export async function verifyAccessToken(
  ctx: Pick<AppContext, "db" | "clock">,
  authorization: string | undefined,
  requiredScope: string | readonly string[],
): Promise<VerifiedAccessToken> {
  const invalid = (reason: string, message: string) =>
    new BearerTokenError("bearer_invalid_token", reason, message);
  const token = bearerTokenOf(authorization);
  if (token === undefined)
    throw invalid(
      authorization === undefined ? "missing_token" : "malformed_token",
      "A Bearer access token is required.",
    );
  const row = await repo.findAccessToken(ctx.db, sha256Hex(token));
  if (row === undefined) throw invalid("unknown_token", "The access token is not known.");
  if (row.expiresAt <= iso(ctx.clock.now())) throw invalid("expired_token", "The access token has expired.");
  const registration = await findRegistrationByClientId(ctx.db, row.clientId);
  const tool = await repo.findToolType(ctx.db, row.toolTypeId);
  if (registration === undefined || tool === undefined || registration.toolTypeId !== row.toolTypeId)
    throw invalid("unknown_client", "The tool this access token was issued to is no longer registered.");
  if (registration.status !== "active")
    throw invalid("client_not_active", "The tool this access token was issued to is not active.");
  const allowed = allowedScopes(tool, registration);
  const scopes = row.scopes.filter((s) => allowed.includes(s));
  const required = typeof requiredScope === "string" ? [requiredScope] : requiredScope;
  if (!required.some((s) => scopes.includes(s)))
    throw new BearerTokenError(
      "bearer_insufficient_scope",
      "insufficient_scope",
      "The access token does not grant this service.",
      required.join(" "),
    );
  return { tool, registration, scopes };
}

/** Deletes the access tokens past their expiry (the cleanup task); returns how many. */
export function purgeExpiredAccessTokens(ctx: Pick<AppContext, "db" | "clock">): Promise<number> {
  return repo.deleteExpiredAccessTokens(ctx.db, iso(ctx.clock.now()));
}
