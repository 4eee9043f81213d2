// Dynamic Registration, tool side: the site admin's "Make a registration URL" (on the platforms page) and
// the Registration URL itself, which the platform's admin opens from the platform (a GET in its frame or
// window, with openid_configuration and maybe registration_token). No Pluto session is needed there: the
// URL's token is the authority, once. Refusals are a page with the reason and a log line.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { pageContext } from "../../../http/app.js";
import { REGISTRATION_STATUS } from "../../../http/lti-errors.js";
import { guardedFetch } from "../../../shared/outbound.js";
import { sendPage } from "../../../views/send-page.js";
import {
  createRegistrationUrl,
  DynamicRegistrationRefused,
  registerByDynamicRegistration,
} from "./dynamic-registration.service.js";
import {
  REGISTRATION_URL_ACTION,
  RegisteredPage,
  RegistrationRefusedPage,
} from "./dynamic-registration.views.js";
import { listPlatforms } from "./platforms.service.js";
import { PlatformsPage } from "./platforms.views.js";
import { TOOL_REGISTRATION_PATH } from "./tool-endpoints.js";

/** A Registration URL's token: 32 random bytes, base64url. */
const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });

export function registerDynamicRegistrationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post(REGISTRATION_URL_ACTION, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const made = await createRegistrationUrl(ctx);
    request.log.info({ actorId: actor.id, expiresAt: made.expiresAt }, "LTI Advantage registration URL made");
    const platforms = await listPlatforms(ctx.db);
    return sendPage(
      reply,
      <PlatformsPage pc={pageContext(ctx, request, reply)} platforms={platforms} registrationUrl={made} />,
      201,
    );
  });

  app.get(`${TOOL_REGISTRATION_PATH}/:token`, async (request, reply) => {
    // The platform shows this page in its own frame or window.
    request.framable = true;
    request.embedded = true;
    const pc = () => pageContext(ctx, request, reply);
    try {
      const parsed = tokenParams.safeParse(request.params);
      if (!parsed.success)
        throw new DynamicRegistrationRefused(
          "registration_url_unknown",
          "This registration URL is not one this site made.",
        );
      const query = (request.query ?? {}) as Record<string, unknown>;
      const r = await registerByDynamicRegistration(
        ctx,
        guardedFetch(ctx.config.outboundAllow),
        parsed.data.token,
        query,
      );
      request.log.info(
        {
          platformId: r.platform.id,
          issuer: r.platform.issuer,
          clientId: r.platform.clientId,
          status: r.platform.status,
          withToken: r.withToken,
        },
        "LTI Advantage platform registered by dynamic registration",
      );
      return sendPage(reply, <RegisteredPage pc={pc()} platform={r.platform} />);
    } catch (err) {
      if (!(err instanceof DynamicRegistrationRefused)) throw err;
      request.log.info(
        { reason: err.reason, ...err.details, message: err.message },
        "LTI Advantage dynamic registration refused",
      );
      return sendPage(
        reply,
        <RegistrationRefusedPage pc={pc()} message={err.message} />,
        REGISTRATION_STATUS[err.reason],
      );
    }
  });
}
