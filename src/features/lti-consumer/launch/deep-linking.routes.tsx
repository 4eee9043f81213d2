// LTI Deep Linking routes (deep-linking.service.ts): "Select content" in the External tool form (a submit of
// the add or edit form, which carries the CSRF token; it opens in a new window) starts the request, and the
// tool posts its response to the return endpoint (cross-site: no session cookie, no CSRF token; the
// response is bound by its `data` claim instead).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireActor } from "../../../http/access.js";
import { pageContext } from "../../../http/app.js";
import { LTI_ERROR_STATUS } from "../../../http/lti-errors.js";
import { isLtiError } from "../../../lti/errors.js";
import { parseInput } from "../../../shared/validation.js";
import { renderPage } from "../../../views/html.js";
import { sendPage } from "../../../views/send-page.js";
import { openActivityWith } from "../../activities/activity-access.js";
import {
  acceptDeepLinkingResponse,
  DEEP_LINKING_RETURN_PATH,
  startDeepLinking,
} from "./deep-linking.service.js";
import { DeepLinkingDonePage } from "./deep-linking.views.js";
import { LaunchFormPage, LaunchUnavailablePage } from "./launch.views.js";

const idParams = z.object({ id: z.coerce.number().int().positive() });
const startBody = z.object({
  toolTypeId: z.coerce
    .number({ error: "Choose a preconfigured tool" })
    .int()
    .positive("Choose a preconfigured tool"),
  section: z.coerce.number().int().min(0).max(10_000).default(0),
});

function sendLogin(reply: FastifyReply, login: { url: string; fields: Record<string, string> }) {
  reply.header("referrer-policy", "origin");
  return reply
    .type("text/html; charset=utf-8")
    .send(renderPage(h(LaunchFormPage, { name: "the tool", url: login.url, fields: login.fields })));
}

function body(request: FastifyRequest): unknown {
  return request.body ?? {};
}

export function registerDeepLinkingRoutes(app: FastifyInstance, ctx: AppContext) {
  // From the add form (/course/:id/add/lti): new activities in the form's section.
  app.post("/course/:id/add/select-content", async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const b = parseInput(startBody, body(request));
    const login = await startDeepLinking(ctx, requireActor(request), {
      courseId: id,
      section: b.section,
      toolTypeId: b.toolTypeId,
    });
    return sendLogin(reply, login);
  });

  // From the edit form (/mod/:id/edit): a re-link of this activity.
  app.post("/mod/:id/select-content", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    const b = parseInput(startBody.pick({ toolTypeId: true }), body(request));
    const login = await startDeepLinking(ctx, requireActor(request), {
      courseId: o.course.id,
      section: 0,
      toolTypeId: b.toolTypeId,
      activityId: o.activity.id,
    });
    return sendLogin(reply, login);
  });

  app.post(DEEP_LINKING_RETURN_PATH, { config: { csrf: false } }, async (request, reply) => {
    const b = body(request) as Record<string, unknown>;
    const pc = pageContext(ctx, request, reply);
    try {
      const outcome = await acceptDeepLinkingResponse(ctx, b.JWT);
      return sendPage(reply, h(DeepLinkingDonePage, { pc, outcome }));
    } catch (e) {
      if (!isLtiError(e)) throw e;
      request.log.warn({ code: e.code }, "LTI Deep Linking response refused");
      return sendPage(
        reply,
        h(LaunchUnavailablePage, {
          pc,
          name: "Content from the tool",
          message: `The tool's content could not be added (${e.code}): ${e.message}`,
          code: e.code,
        }),
        LTI_ERROR_STATUS[e.code],
      );
    }
  });
}
