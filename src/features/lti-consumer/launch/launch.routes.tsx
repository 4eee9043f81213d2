// GET /mod/lti/:id/launch renders the signed, auto-submitting launch form (inside the activity page's frame or
// in a new window); GET /mod/lti/:id/return is launch_presentation_return_url. The activity page's Platform
// Storage listener (public/lti-storage.js) imports the handler from /static/platform-storage.js.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireActor } from "../../../http/access.js";
import { pageContext } from "../../../http/app.js";
import { registerBrowserModule } from "../../../http/browser-module.js";
import { LTI_ERROR_STATUS } from "../../../http/lti-errors.js";
import { ForbiddenError, NotFoundError } from "../../../shared/errors.js";
import { renderPage } from "../../../views/html.js";
import { sendPage } from "../../../views/send-page.js";
import { openActivityWith } from "../../activities/activity-access.js";
import { signingKey } from "../../lti-common/platform-keys.service.js";
import { AUTH_PATH } from "../tools/tool-registrations.service.js";
import { LaunchUnavailableError, launchAndLog } from "./launch.service.js";
import { LaunchFormPage, LaunchUnavailablePage, ReturnPage } from "./launch.views.js";
import { answerAuthRequest } from "./lti13-launch.service.js";

const returnQuery = z.object({
  lti_msg: z.string().max(1000).optional().catch(undefined),
  lti_errormsg: z.string().max(1000).optional().catch(undefined),
  lti_log: z.string().max(2000).optional().catch(undefined),
  lti_errorlog: z.string().max(2000).optional().catch(undefined),
});

/**
 * The launch runs in the activity page's frame (`?frame=1`, which only that frame's src carries), not in a
 * tab someone opened with that URL: a browser that names the destination must name a frame.
 */
function inActivityFrame(request: FastifyRequest): boolean {
  const q = request.query as Record<string, unknown> | undefined;
  const dest = request.headers["sec-fetch-dest"];
  return q?.frame === "1" && (dest === undefined || dest === "iframe");
}

export function registerLaunchRoutes(app: FastifyInstance, ctx: AppContext) {
  registerBrowserModule(
    app,
    "/static/platform-storage.js",
    import.meta.resolve("../../../lti/storage/platform-storage.js"),
  );

  app.get("/mod/lti/:id/launch", async (request, reply) => {
    const o = await openActivityWith(ctx, request, null);
    if (o.activity.type !== "lti") throw new NotFoundError("External tool");
    const canManage = o.caps.has("course:managematerial");
    if (!canManage && !o.caps.has("activity:participate")) {
      throw new ForbiddenError("Only course participants can open this tool.");
    }
    const actor = requireActor(request);
    try {
      const launch = await launchAndLog(ctx, {
        activity: o.activity,
        course: o.course,
        user: actor,
        instructor: canManage,
        framed: inActivityFrame(request),
      });
      reply.header("referrer-policy", "origin");
      return reply
        .type("text/html; charset=utf-8")
        .send(
          renderPage(h(LaunchFormPage, { name: o.activity.name, url: launch.url, fields: launch.fields })),
        );
    } catch (err) {
      if (!(err instanceof LaunchUnavailableError)) throw err;
      request.log.warn({ activityId: o.activity.id, reason: err.reason }, "external tool launch refused");
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        h(LaunchUnavailablePage, { pc, name: o.activity.name, message: err.message }),
        409,
      );
    }
  });

  // The OIDC authentication endpoint of LTI 1.3 launches (GET or form POST, from the tool's frame: no
  // CSRF token, and usually no session cookie; lti13-launch.service.ts says how the user is bound).
  app.route({
    method: ["GET", "POST"],
    url: AUTH_PATH,
    config: { csrf: false },
    handler: async (request, reply) => {
      const params = (request.method === "GET" ? request.query : request.body) ?? {};
      const outcome = await answerAuthRequest(
        ctx,
        typeof params === "object" ? (params as Record<string, unknown>) : {},
        request.actor ?? undefined,
        () => signingKey(ctx),
      );
      reply.header("referrer-policy", "origin");
      if (outcome.kind === "page") {
        const e = outcome.error;
        request.log.warn(
          { code: e.code, clientId: e.details.clientId },
          "LTI 1.3 authentication request refused",
        );
        const pc = pageContext(ctx, request, reply);
        return sendPage(
          reply,
          h(LaunchUnavailablePage, { pc, name: "External tool", message: e.message, code: e.code }),
          LTI_ERROR_STATUS[e.code],
        );
      }
      if (!outcome.ok)
        request.log.info(
          { fields: Object.keys(outcome.response.fields) },
          "LTI 1.3 launch refused to the tool",
        );
      return reply.type("text/html; charset=utf-8").send(
        renderPage(
          h(LaunchFormPage, {
            name: "the tool",
            url: outcome.response.redirectUri,
            fields: outcome.response.fields,
          }),
        ),
      );
    },
  });

  app.get("/mod/lti/:id/return", async (request, reply) => {
    const o = await openActivityWith(ctx, request, null);
    if (o.activity.type !== "lti") throw new NotFoundError("External tool");
    const q = returnQuery.parse(request.query ?? {});
    if (q.lti_errorlog || q.lti_log) {
      request.log.info(
        { activityId: o.activity.id, lti_log: q.lti_log, lti_errorlog: q.lti_errorlog },
        "tool returned",
      );
    }
    const pc = pageContext(ctx, request, reply);
    return sendPage(
      reply,
      h(ReturnPage, {
        pc,
        course: o.course,
        caps: o.caps,
        name: o.activity.name,
        message: q.lti_msg,
        error: q.lti_errormsg,
      }),
    );
  });
}
