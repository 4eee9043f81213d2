// LTI Dynamic Registration over HTTP: the public OpenID configuration (GET /lti/openid-configuration) and
// registration endpoint (POST /lti/register, Bearer registration token, RFC 7591 error bodies), the site
// admin's "Add LTI Advantage" dialog, Activate and the auto-activate setting, and their JSON API.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { pageContext, redirectWithFlash } from "../../../http/app.js";
import { formProblem, problemStatus } from "../../../http/form-problem.js";
import { LTI_ERROR_STATUS } from "../../../http/lti-errors.js";
import { addApiOperation } from "../../../http/openapi.js";
import { RegistrationError } from "../../../lti/errors.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { sendPage } from "../../../views/send-page.js";
import {
  autoActivateDynamicTools,
  setAutoActivateDynamicTools,
} from "../../lti-common/platform-keys.service.js";
import {
  activateTool,
  OPENID_CONFIGURATION_PATH,
  openIdConfiguration,
  REGISTER_PATH,
  registerTool,
  startRegistration,
  upgradeWithRegistration,
} from "./dynamic-registration.service.js";
import {
  AUTO_ACTIVATE_PATH,
  REGISTER_TOOL_PATH,
  RegistrationDialogPage,
} from "./dynamic-registration.views.js";
import { findRegistrationOf } from "./tool-registrations.service.js";
import { presentToolType } from "./tool-types.api.js";
import { toolsListPage } from "./tool-types.routes.js";
import { getToolType } from "./tool-types.service.js";
import { TOOLS_PATH, TOOLS_TITLE } from "./tool-types.views.js";

const API_START = "/api/v1/lti/tool-types/dynamic-registration";
const API_SETTINGS = "/api/v1/lti/dynamic-registration/settings";
/** A registration request is a few kilobytes; RFC 7591 sets no limit, 64 KiB is ample. */
const REGISTRATION_BODY_LIMIT = 64 * 1024;
const idParams = z.object({ id: idParam });
const upgradeParams = z.object({ id: idParam, existing: idParam });

const tag = "External tools";
addApiOperation({
  method: "post",
  path: "/lti/tool-types/dynamic-registration",
  summary:
    'Start an LTI Dynamic Registration (site admin): body {"url": the tool\'s registration URL}. Answers the URL to open (in a frame or a window) with Pluto\'s openid_configuration and a registration token (30 minutes, single use). The tool then registers itself at /lti/register; it is Pending (status "pending") until activated, unless auto-activation is on.',
  tag,
  body: z.object({ url: z.string() }),
  responses: { 201: "{url}" },
});
addApiOperation({
  method: "put",
  path: "/lti/dynamic-registration/settings",
  summary:
    'Whether dynamically registered tools are active at once (site admin): body {"autoActivate": true|false}; off by default (they are Pending until a site admin activates them).',
  tag,
  body: z.object({ autoActivate: z.boolean() }),
  responses: { 200: "{autoActivate}" },
});
addApiOperation({
  method: "post",
  path: "/lti/tool-types/{id}/upgrade-into/{existing}",
  summary:
    "Upgrade an LTI 1.1 site tool with a Pending dynamically registered tool of its domain (site admin): tool {existing} becomes LTI 1.3 with tool {id}'s registration (its clientId and deploymentId), active, keeping its id, settings, activities, grades and consumer key; tool {id} is removed. 404 when {id} is not a Pending registered tool, 400 when {existing} is not an LTI 1.1 tool of its domain.",
  tag,
  responses: { 200: "The upgraded tool (as GET /lti/tool-types/{id})" },
});
addApiOperation({
  method: "get",
  path: "/lti/dynamic-registration/settings",
  summary: "The Dynamic Registration settings (site admin).",
  tag,
  responses: { 200: "{autoActivate}" },
});

export function registerDynamicRegistrationRoutes(app: FastifyInstance, ctx: AppContext) {
  // --- The tool's side: public, no session, no CSRF (the registration token authenticates) ---------------

  app.get(OPENID_CONFIGURATION_PATH, async (_request, reply) => {
    reply.header("cache-control", "public, max-age=300");
    return openIdConfiguration(ctx.config.publicUrl);
  });

  app.post(
    REGISTER_PATH,
    {
      config: { csrf: false },
      bodyLimit: REGISTRATION_BODY_LIMIT,
      // A body that is not JSON (bad syntax, another media type) is RFC 7591's invalid_client_metadata
      // too; anything else goes to the app's error handler.
      errorHandler: (err: { statusCode?: number; code?: string }, request, reply) => {
        const status = err.statusCode ?? 500;
        if (status !== 400 && status !== 415 && status !== 413) throw err;
        request.log.info(
          { event: "lti_dynamic_registration_refused", code: err.code ?? "invalid_body" },
          "LTI dynamic registration refused",
        );
        return reply
          .status(status === 413 ? 413 : 400)
          .header("cache-control", "no-store")
          .send({
            error: "invalid_client_metadata",
            error_description:
              status === 413
                ? "The registration request is too large."
                : "The body must be a JSON object (application/json).",
          });
      },
    },
    async (request, reply) => {
      try {
        const { response } = await registerTool(ctx, request.headers.authorization, request.body);
        return reply.status(201).header("cache-control", "no-store").send(response);
      } catch (e) {
        if (!(e instanceof RegistrationError)) throw e;
        request.log.info(
          { event: "lti_dynamic_registration_refused", code: e.code, field: e.field },
          "LTI dynamic registration refused",
        );
        const status = LTI_ERROR_STATUS[e.code];
        if (status === 401) reply.header("www-authenticate", `Bearer error="invalid_token"`);
        return reply.status(status).header("cache-control", "no-store").send(e.body);
      }
    },
  );

  // --- The site admin's pages ---------------------------------------------------------------------------

  app.post(REGISTER_TOOL_PATH, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const pc = pageContext(ctx, request, reply);
    try {
      const url = await startRegistration(ctx, body.url, actor.id);
      return sendPage(
        reply,
        <RegistrationDialogPage pc={pc} url={url} donePath={TOOLS_PATH} toolsTitle={TOOLS_TITLE} />,
      );
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const url = typeof body.url === "string" ? body.url : "";
      return sendPage(reply, await toolsListPage(ctx, pc, { url, problem }), problemStatus(problem));
    }
  });

  app.post(`${TOOLS_PATH}/:id/activate`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    await activateTool(ctx, id, actor.id);
    return redirectWithFlash(reply, TOOLS_PATH, `External tool “${tool.name}” activated.`);
  });

  // "Upgrade <existing tool>" on a Pending registered tool: the LTI 1.1 tool of its domain takes it over.
  app.post(`${TOOLS_PATH}/:id/upgrade-into/:existing`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id, existing } = parseInput(upgradeParams, request.params);
    try {
      const tool = await upgradeWithRegistration(ctx, id, existing, actor.id);
      return redirectWithFlash(
        reply,
        `${TOOLS_PATH}/${tool.id}`,
        `External tool “${tool.name}” upgraded to LTI 1.3 and activated.`,
      );
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const pc = pageContext(ctx, request, reply);
      return sendPage(reply, await toolsListPage(ctx, pc, { problem }), problemStatus(problem));
    }
  });

  app.post(AUTO_ACTIVATE_PATH, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const on = await setAutoActivateDynamicTools(ctx, body.autoActivate === "1", actor.id);
    return redirectWithFlash(
      reply,
      TOOLS_PATH,
      on
        ? "Dynamically registered tools are now active at once."
        : "Dynamically registered tools now wait for activation.",
    );
  });

  // --- The JSON API --------------------------------------------------------------------------------------

  app.post(API_START, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    return reply.status(201).send({ url: await startRegistration(ctx, body.url, actor.id) });
  });

  app.post("/api/v1/lti/tool-types/:id/upgrade-into/:existing", async (request) => {
    const actor = requireSiteAdmin(request);
    const { id, existing } = parseInput(upgradeParams, request.params);
    const tool = await upgradeWithRegistration(ctx, id, existing, actor.id);
    return presentToolType(tool, await findRegistrationOf(ctx.db, tool.id), ctx.config.publicUrl);
  });

  app.get(API_SETTINGS, async (request) => {
    requireSiteAdmin(request);
    return { autoActivate: await autoActivateDynamicTools(ctx) };
  });

  app.put(API_SETTINGS, async (request) => {
    const actor = requireSiteAdmin(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    return { autoActivate: await setAutoActivateDynamicTools(ctx, body.autoActivate, actor.id) };
  });
}
