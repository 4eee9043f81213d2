// JSON API for LTI Advantage platforms (site admins only): /api/v1/lti/platforms[/{id}], and
// /api/v1/lti/platforms/registration-url for Dynamic Registration.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { addApiOperation } from "../../../http/openapi.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { createRegistrationUrl } from "./dynamic-registration.service.js";
import {
  deletePlatform,
  getPlatform,
  listPlatforms,
  type Platform,
  platformInputSchema,
  registerPlatform,
  updatePlatform,
} from "./platforms.service.js";
import { type ToolDetails, toolDetails } from "./tool-endpoints.js";

const BASE = "/api/v1/lti/platforms";

/** A platform as the API shows it, with the Tool details its administrator enters for Pluto. */
export function presentPlatform(p: Platform, tool: ToolDetails) {
  return {
    id: p.id,
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    authenticationRequestUrl: p.authenticationRequestUrl,
    accessTokenUrl: p.accessTokenUrl,
    publicKeysetUrl: p.publicKeysetUrl,
    authorizationServer: p.authorizationServer === "" ? null : p.authorizationServer,
    deploymentIds: p.deployments.map((d) => d.deploymentId),
    deployments: p.deployments.map((d) => ({
      deploymentId: d.deploymentId,
      inUse: d.inUse,
      createdAt: d.createdAt,
    })),
    status: p.status,
    missing: p.missing,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    tool,
  };
}

const SHAPE =
  '{id, name, issuer, clientId, authenticationRequestUrl, accessTokenUrl, publicKeysetUrl, authorizationServer (null when none), deploymentIds: [string], deployments: [{deploymentId, inUse, createdAt}], status: "pending"|"active", missing: [field], createdAt, updatedAt, tool: {toolUrl, initiateLoginUrl, redirectUris, publicKeysetUrl, deepLinkingUrl}}';
const tag = "LTI provider";
addApiOperation({
  method: "post",
  path: "/lti/platforms",
  summary:
    "Register an LTI Advantage platform (site admin): Pluto as an LTI 1.3 tool that the platform launches. Only name is required; a field left out is not known yet and the platform stays Pending until issuer (the Platform ID), clientId, authenticationRequestUrl, publicKeysetUrl and one of deploymentIds are set. URLs must be https. A second platform with the same issuer and clientId is a 409; a bad field a 400 naming it. The answer carries the Tool details (tool) to give the platform's administrator.",
  tag,
  body: platformInputSchema,
  responses: { 201: `The platform: ${SHAPE}` },
});
addApiOperation({
  method: "get",
  path: "/lti/platforms",
  summary: "The registered LTI Advantage platforms, by name (site admin).",
  tag,
  responses: { 200: `[${SHAPE}]` },
});
addApiOperation({
  method: "get",
  path: "/lti/platforms/{id}",
  summary: "One LTI Advantage platform (site admin).",
  tag,
  responses: { 200: SHAPE },
});
addApiOperation({
  method: "patch",
  path: "/lti/platforms/{id}",
  summary:
    "Change an LTI Advantage platform (site admin): fields left out keep their values; deploymentIds, when given, is the whole new list. A deployment that has launched cannot be left out (400): its history stays. The status follows.",
  tag,
  body: platformInputSchema.partial(),
  responses: { 200: SHAPE },
});
addApiOperation({
  method: "delete",
  path: "/lti/platforms/{id}",
  summary:
    "Delete an LTI Advantage platform that never launched (site admin). One whose deployments have launched is kept (409), with its launch log, accounts and grades.",
  tag,
  responses: { 204: "Deleted" },
});

addApiOperation({
  method: "post",
  path: "/lti/platforms/registration-url",
  summary:
    "Make a Registration URL for LTI Dynamic Registration (site admin): a platform's administrator enters it in the platform, which opens it with openid_configuration (and registration_token when it has one); Pluto then registers itself with the platform and the platform here. The URL works once and until expiresAt (one hour); only its hash is stored, so it is shown only in this answer.",
  tag,
  responses: { 201: "{url, expiresAt}" },
});

const idParams = z.object({ id: idParam });

export function registerPlatformApi(app: FastifyInstance, ctx: AppContext) {
  const tool = toolDetails(ctx.config.publicUrl);

  app.post(BASE, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const p = await registerPlatform(ctx, request.body);
    request.log.info(
      { platformId: p.id, status: p.status, actorId: actor.id },
      "LTI Advantage platform registered",
    );
    return reply.status(201).send(presentPlatform(p, tool));
  });

  app.post(`${BASE}/registration-url`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const made = await createRegistrationUrl(ctx);
    request.log.info({ actorId: actor.id, expiresAt: made.expiresAt }, "LTI Advantage registration URL made");
    return reply.status(201).send(made);
  });

  app.get(BASE, async (request) => {
    requireSiteAdmin(request);
    return (await listPlatforms(ctx.db)).map((p) => presentPlatform(p, tool));
  });

  app.get(`${BASE}/:id`, async (request) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    return presentPlatform(await getPlatform(ctx.db, id), tool);
  });

  app.patch(`${BASE}/:id`, async (request) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const p = await updatePlatform(ctx, id, request.body);
    request.log.info(
      { platformId: id, status: p.status, actorId: actor.id },
      "LTI Advantage platform changed",
    );
    return presentPlatform(p, tool);
  });

  app.delete(`${BASE}/:id`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    await deletePlatform(ctx, id);
    request.log.info({ platformId: id, actorId: actor.id }, "LTI Advantage platform deleted");
    return reply.status(204).send();
  });
}
