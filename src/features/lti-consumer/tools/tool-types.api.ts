// JSON API for site-wide external tools (site admins only): /api/v1/lti/tool-types[/{id}].
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { addApiOperation } from "../../../http/openapi.js";
import { ValidationError } from "../../../shared/errors.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { cartridgeDeps } from "./lti-settings.js";
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

/** A tool as the API shows it to a site admin (who manages it, so the shared secret is included). */
export function presentToolType(t: ToolType) {
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
  };
}

const SHAPE =
  "{id, name, description, toolUrl, cartridgeUrl, launchUrl, secureLaunchUrl, ltiVersion, consumerKey, sharedSecret, customParameters, iconUrl, secureIconUrl, launchContainer, shareName, shareEmail, acceptGrades, showInPicker, vendor}";
const tag = "External tools";
addApiOperation({
  method: "post",
  path: "/lti/tool-types",
  summary:
    "Add a site-wide external tool (site admin). toolUrl may be a cartridge URL: the tool is configured from it; an unusable cartridge is a 400 naming the reason. " +
    "Its key and secret are only sent to its launch URL's origin, and shareName/shareEmail/acceptGrades are a ceiling: an activity using the tool may turn them off, never on; turning one off later applies to the activities already using it.",
  tag,
  body: toolTypeSchema,
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
  summary: "Change a site-wide external tool (site admin); fields left out keep their values.",
  tag,
  body: toolTypeSchema.partial(),
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

export function registerToolTypeApi(app: FastifyInstance, ctx: AppContext) {
  const deps = cartridgeDeps(ctx);

  app.post(BASE, async (request, reply) => {
    requireSiteAdmin(request);
    const t = await createToolType(ctx.db, ctx.clock, deps, objectBody(request.body));
    return reply.status(201).send(presentToolType(t));
  });

  app.get(BASE, async (request) => {
    requireSiteAdmin(request);
    return (await listToolTypes(ctx.db)).map(presentToolType);
  });

  app.get(`${BASE}/:id`, async (request) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    return presentToolType(await getToolType(ctx.db, id));
  });

  app.patch(`${BASE}/:id`, async (request) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const body = objectBody(request.body);
    // Only known fields are taken; checked as a whole after merging with the stored tool.
    const partial = parseInput(toolTypeSchema.partial().strip(), body);
    const input = Object.fromEntries(Object.entries(partial).filter(([k]) => k in body));
    return presentToolType(await updateToolType(ctx.db, ctx.clock, deps, id, input));
  });

  app.delete(`${BASE}/:id`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    await deleteToolType(ctx.db, id);
    return reply.status(204).send();
  });
}
