// JSON API for site-wide external tools (site admins only): /api/v1/lti/tool-types[/{id}].
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { addApiOperation } from "../../../http/openapi.js";
import { ValidationError } from "../../../shared/errors.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { registrationSummaryOf } from "./dynamic-registration.service.js";
import { cartridgeDeps } from "./lti-settings.js";
import {
  findRegistrationOf,
  lti13Schema,
  platformDetails,
  registrationsByToolType,
  type ToolRegistration,
} from "./tool-registrations.service.js";
import {
  createToolType,
  deleteToolType,
  getToolType,
  listToolTypes,
  type ToolType,
  toolTypeSchema,
  updateToolType,
} from "./tool-types.service.js";

const BASE = "/api/v1/lti/tool-types";

/**
 * A tool as the API shows it to a site admin (who manages it, so the shared secret is included); an LTI 1.3
 * tool with its registration and the platform's details the tool is configured with.
 */
export function presentToolType(t: ToolType, r?: ToolRegistration, publicUrl?: string) {
  const lti13 =
    r && publicUrl !== undefined
      ? {
          initiateLoginUrl: r.initiateLoginUrl,
          redirectUris: r.redirectUris,
          publicKeyType: r.publicKeyType,
          publicKeysetUrl: r.publicKeysetUrl,
          publicKey: r.publicKey,
          clientId: r.clientId,
          deploymentId: r.deploymentId,
          status: r.status,
          deepLinking: r.deepLinking,
          deepLinkingUrl: r.deepLinkingUrl,
          services: { ags: r.services.ags, nrps: r.services.nrps },
          platform: platformDetails(publicUrl),
          // A dynamically registered tool: what it asked for (null for a tool registered by hand).
          registration: registrationSummaryOf(r) ?? null,
        }
      : {};
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    toolUrl: t.baseUrl,
    cartridgeUrl: t.cartridgeUrl,
    launchUrl: t.launchUrl,
    secureLaunchUrl: t.secureLaunchUrl,
    ltiVersion: t.ltiVersion,
    consumerKey: t.consumerKey,
    sharedSecret: t.sharedSecret,
    customParameters: t.customParameters,
    iconUrl: t.iconUrl,
    secureIconUrl: t.secureIconUrl,
    launchContainer: t.launchContainer,
    shareName: t.shareName,
    shareEmail: t.shareEmail,
    acceptGrades: t.acceptGrades,
    showInPicker: t.showInPicker,
    vendor: t.vendorCode || t.vendorName ? { code: t.vendorCode, name: t.vendorName } : null,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    ...lti13,
  };
}

const SHAPE =
  "{id, name, description, toolUrl, cartridgeUrl, launchUrl, secureLaunchUrl, ltiVersion, consumerKey, sharedSecret, customParameters, iconUrl, secureIconUrl, launchContainer, shareName, shareEmail, acceptGrades, showInPicker, vendor}; an LTI 1.3 tool also has {initiateLoginUrl, redirectUris, publicKeyType, publicKeysetUrl, publicKey, clientId, deploymentId, status: active|pending, deepLinking, deepLinkingUrl, services: {ags, nrps}, platform: {issuer, authenticationRequestUrl, accessTokenUrl, publicKeysetUrl, openidConfigurationUrl}, registration: null or, for a dynamically registered tool, what it asked for {name, domain, targetLinkUri, services: {ags, acceptGrades, nrps}, privacy: {shareName, shareEmail, sharePicture}, deepLinking: {supported, url?}, placements, messageTypes, grantedScopes, droppedScopes, …}}";
const tag = "External tools";
addApiOperation({
  method: "post",
  path: "/lti/tool-types",
  summary:
    "Add a site-wide external tool (site admin). toolUrl may be a cartridge URL: the tool is configured from it; an unusable cartridge is a 400 naming the reason. " +
    "Its key and secret are only sent to its launch URL's origin, and shareName/shareEmail/acceptGrades are a ceiling: an activity using the tool may turn them off, never on; turning one off later applies to the activities already using it. " +
    'With ltiVersion "1.3" (body: the LTI 1.3 schema) the tool is registered by hand: Pluto issues its clientId and deploymentId and answers the platform details the tool is configured with; publicKeysetUrl or publicKey (PEM or JWK, checked) is its key; deepLinking with deepLinkingUrl (the Content selection URL) offers the tool’s content selection in the External tool activity form; services {ags, nrps} (both true unless given) are the services its access tokens may cover: the AGS scopes need ags and acceptGrades, the NRPS scope nrps.',
  tag,
  body: toolTypeSchema.or(lti13Schema),
  responses: { 201: `The tool: ${SHAPE}` },
});
addApiOperation({
  method: "get",
  path: "/lti/tool-types",
  summary: "List site-wide external tools (site admin).",
  tag,
  responses: { 200: `[${SHAPE}]` },
});
addApiOperation({
  method: "get",
  path: "/lti/tool-types/{id}",
  summary: "One site-wide external tool (site admin).",
  tag,
  responses: { 200: SHAPE },
});
addApiOperation({
  method: "patch",
  path: "/lti/tool-types/{id}",
  summary:
    'Change a site-wide external tool (site admin); fields left out keep their values. An LTI 1.3 tool takes the LTI 1.3 fields ({"status": "active"} activates it; {"services": {"ags": false}} turns one service off and keeps the other); an LTI 1.1 tool given {"ltiVersion": "1.3"} with the LTI 1.3 fields (initiateLoginUrl, redirectUris, publicKeysetUrl or publicKey) is upgraded in place: the same id, its activities and their grades, its consumerKey and sharedSecret kept for the lti1p1 claim of its 1.3 launches, a new clientId; a 1.3 tool cannot go back to 1.1.',
  tag,
  body: toolTypeSchema.partial().or(lti13Schema.partial()),
  responses: { 200: SHAPE },
});
addApiOperation({
  method: "delete",
  path: "/lti/tool-types/{id}",
  summary: "Delete a site-wide external tool (site admin).",
  tag,
  responses: { 204: "Deleted" },
});

const idParams = z.object({ id: idParam });

function objectBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError("The request body must be a JSON object", [
      { field: "_", message: "expected an object" },
    ]);
  }
  return body as Record<string, unknown>;
}

const KNOWN_FIELDS = new Set([...Object.keys(toolTypeSchema.shape), ...Object.keys(lti13Schema.shape)]);

export function registerToolTypeApi(app: FastifyInstance, ctx: AppContext) {
  const deps = cartridgeDeps(ctx);
  const publicUrl = ctx.config.publicUrl;
  const platform = { issuer: platformDetails(publicUrl).issuer };
  const present = async (t: ToolType) =>
    presentToolType(
      t,
      t.ltiVersion === "1.3" ? await findRegistrationOf(ctx.db, t.id) : undefined,
      publicUrl,
    );

  app.post(BASE, async (request, reply) => {
    requireSiteAdmin(request);
    const t = await createToolType(ctx.db, ctx.clock, deps, objectBody(request.body), platform);
    return reply.status(201).send(await present(t));
  });

  app.get(BASE, async (request) => {
    requireSiteAdmin(request);
    const regs = await registrationsByToolType(ctx.db);
    return (await listToolTypes(ctx.db)).map((t) => presentToolType(t, regs.get(t.id), publicUrl));
  });

  app.get(`${BASE}/:id`, async (request) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    return present(await getToolType(ctx.db, id));
  });

  app.patch(`${BASE}/:id`, async (request) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const body = objectBody(request.body);
    // Only known fields are taken; checked as a whole after merging with the stored tool.
    const input = Object.fromEntries(Object.entries(body).filter(([k]) => KNOWN_FIELDS.has(k)));
    return present(await updateToolType(ctx.db, ctx.clock, deps, id, input, platform));
  });

  app.delete(`${BASE}/:id`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    await deleteToolType(ctx.db, id);
    return reply.status(204).send();
  });
}
