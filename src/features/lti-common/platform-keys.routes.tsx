// The platform keys over HTTP: the public JWKS URL (GET /lti/jwks, alias /.well-known/jwks.json), the
// site admin page (Integrations → LTI platform keys) and its JSON API (/api/v1/lti/platform-keys).
import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../../app/context.js";
import { requireSiteAdmin } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { formProblem, problemStatus } from "../../http/form-problem.js";
import { addApiOperation } from "../../http/openapi.js";
import { INTEGRATIONS } from "../../views/admin-layout.js";
import { addSiteAdminLink } from "../../views/nav.js";
import { sendPage } from "../../views/send-page.js";
import {
  JWKS_CACHE_PERIOD_SECONDS,
  listPlatformKeys,
  type PlatformKeyInfo,
  publishedJwks,
  rotateNow,
  rotationPeriodDays,
  setRotationPeriodDays,
} from "./platform-keys.service.js";
import { JWKS_PATH, KEYS_PATH, KEYS_TITLE, PlatformKeysPage } from "./platform-keys.views.js";

export const WELL_KNOWN_JWKS_PATH = "/.well-known/jwks.json";
const API = "/api/v1/lti/platform-keys";

/** A key as the API shows it: the public JWK and its dates, never the private key. */
export function presentPlatformKey(k: PlatformKeyInfo) {
  return {
    kid: k.kid,
    state: k.state,
    published: k.published,
    createdAt: k.createdAt.toISOString(),
    activatesAt: k.activatesAt.toISOString(),
    retiredAt: k.retiredAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    publishedUntil: k.publishedUntil?.toISOString() ?? null,
    publicJwk: k.publicJwk,
  };
}

const SHAPE =
  "{kid, state: next|signing|retired|revoked, published, createdAt, activatesAt, retiredAt, revokedAt, publishedUntil, publicJwk}";
const tag = "LTI platform keys";
addApiOperation({
  method: "get",
  path: "/lti/platform-keys",
  summary:
    "The LTI 1.3 platform keys with their states (site admin): public keys and dates only. The public key set tools verify with is served at /lti/jwks.",
  tag,
  responses: { 200: `{rotationPeriodDays, jwksUrl, keys: [${SHAPE}]}` },
});
addApiOperation({
  method: "post",
  path: "/lti/platform-keys/rotate",
  summary:
    "Rotate now (site admin), for a leaked key: the signing key leaves the key set at once and a new key signs. Tools that fetch the key set on every launch (ltijs, Moodle) accept the next launch; jose-based tools refetch it on an unknown kid at most every 30 s, so one that fetched Pluto's key set in the last 30 s refuses launches until that cooldown is over; tools that cache it for hours without refetching refuse them until their cache expires. Tokens signed by the old key in the last minutes fail. Same as the admin page's \"Rotate now\".",
  tag,
  responses: { 200: `{revoked: [kid], signingKid, keys: [${SHAPE}]}` },
});

addApiOperation({
  method: "put",
  path: "/lti/platform-keys/settings",
  summary:
    "Set the key rotation period (site admin): {rotationPeriodDays}, a whole number from 1 to 3650 (default 90). The next key is created one hour before the signing key's period ends.",
  tag,
  responses: { 200: "{rotationPeriodDays}" },
});

export function registerPlatformKeyRoutes(app: FastifyInstance, ctx: AppContext) {
  const jwksUrl = `${ctx.config.publicUrl.replace(/\/$/, "")}${JWKS_PATH}`;

  const sendJwks = async (reply: FastifyReply) => {
    const jwks = await publishedJwks(ctx);
    return reply
      .type("application/json")
      .header("cache-control", `public, max-age=${JWKS_CACHE_PERIOD_SECONDS}`)
      .send(jwks);
  };
  app.get(JWKS_PATH, (_request, reply) => sendJwks(reply));
  app.get(WELL_KNOWN_JWKS_PATH, (_request, reply) => sendJwks(reply));

  app.get(KEYS_PATH, async (request, reply) => {
    requireSiteAdmin(request);
    const [keys, days] = await Promise.all([listPlatformKeys(ctx), rotationPeriodDays(ctx)]);
    return sendPage(
      reply,
      <PlatformKeysPage
        pc={pageContext(ctx, request, reply)}
        jwksUrl={jwksUrl}
        keys={keys}
        rotationPeriodDays={days}
      />,
    );
  });

  app.post(`${KEYS_PATH}/settings`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const body = (request.body && typeof request.body === "object" ? request.body : {}) as Record<
      string,
      unknown
    >;
    const typed = typeof body.rotationPeriodDays === "string" ? body.rotationPeriodDays : "";
    try {
      const days = await setRotationPeriodDays(ctx, typed, actor.id);
      return redirectWithFlash(reply, KEYS_PATH, `Key rotation period set to ${days} days.`);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      request.log.info({ actorId: actor.id, code: "validation" }, "LTI key rotation period refused");
      return sendPage(
        reply,
        <PlatformKeysPage
          pc={pageContext(ctx, request, reply)}
          jwksUrl={jwksUrl}
          keys={await listPlatformKeys(ctx)}
          rotationPeriodDays={typed}
          problem={problem}
        />,
        problemStatus(problem),
      );
    }
  });

  app.post(`${KEYS_PATH}/rotate`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const r = await rotateNow(ctx, actor.id);
    return redirectWithFlash(reply, KEYS_PATH, `Keys rotated: key ${r.signingKid} signs from now on.`);
  });

  app.get(API, async (request) => {
    requireSiteAdmin(request);
    const [keys, days] = await Promise.all([listPlatformKeys(ctx), rotationPeriodDays(ctx)]);
    return { rotationPeriodDays: days, jwksUrl, keys: keys.map(presentPlatformKey) };
  });

  app.put(`${API}/settings`, async (request) => {
    const actor = requireSiteAdmin(request);
    const body = request.body;
    const days =
      body && typeof body === "object" && !Array.isArray(body)
        ? (body as Record<string, unknown>).rotationPeriodDays
        : undefined;
    return { rotationPeriodDays: await setRotationPeriodDays(ctx, days, actor.id) };
  });

  app.post(`${API}/rotate`, async (request) => {
    const actor = requireSiteAdmin(request);
    const r = await rotateNow(ctx, actor.id);
    return { ...r, keys: (await listPlatformKeys(ctx)).map(presentPlatformKey) };
  });
}

/** The admin page's link under Site admin → Integrations (called from src/features/index.ts). */
export function registerPlatformKeysLinks(): void {
  addSiteAdminLink({
    label: KEYS_TITLE,
    href: KEYS_PATH,
    group: INTEGRATIONS,
    order: 30,
    description:
      "The keys Pluto signs LTI 1.3 messages with, published for tools to verify: rotation period and Rotate now.",
  });
}
