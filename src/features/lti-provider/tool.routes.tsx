// HTTP edge of Pluto as an LTI 1.3 tool (platforms/tool-endpoints.ts's paths): the OIDC login initiation
// (GET or POST) and the launch (the platform's form post of id_token and state). The platform posts
// cross-site, so CSRF tokens are off here; the state, bound to this browser by a Partitioned cookie or by
// the platform's storage, is the request's proof. After verification the launch is the same as an LTI 1.1
// one (launch/launch.service.ts), and goes on through the hand-off to the course.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import type { AppContext } from "../../app/context.js";
import { pageContext } from "../../http/app.js";
import { LAUNCH_STATUS } from "../../http/lti-errors.js";
import { createSession } from "../../http/session.js";
import { isLtiError } from "../../lti/errors.js";
import {
  type BrowserProof,
  DEFAULT_LOGIN_TTL_SECONDS,
  handleToolLogin,
  type LoginBinding,
  type StateCookie,
  stateCookieName,
  storageKeys,
} from "../../lti/v1p3/tool-login.js";
import { LTI13_MESSAGE_TYPES } from "../../lti/vocab/messages.js";
import { renderPage } from "../../views/html.js";
import { writeLaunchLog } from "../lti-common/launch-log.service.js";
import { activityTarget } from "./deep-linking/activity-target.js";
import { answerChoice, logRefusedDeepLink, offerContent } from "./deep-linking/deep-linking.service.js";
import { DeepLinkPickerPage, DeepLinkResponsePage } from "./deep-linking/deep-linking.views.js";
import { createHandoff } from "./launch/handoff.service.js";
import { handleLaunch, LaunchRejected } from "./launch/launch.service.js";
import { rejectionOf } from "./launch/rejection.js";
import { deleteToolLogin, findToolLogin, saveToolLogin } from "./launch/tool-logins.service.js";
import {
  isOwnLaunchUrl,
  type PeekedLaunch,
  peekToolLaunch,
  platformsOfIssuer,
  publicationOfHistory,
  redirectUriFor,
  v1p3LaunchRequest,
  verifyDeepLinkingRequest,
} from "./launch/v1p3.adapter.js";
import {
  TOOL_DEEP_LINKING_CHOICE_PATH,
  TOOL_DEEP_LINKING_PATH,
  TOOL_LAUNCH_PATH,
  TOOL_LOGIN_PATH,
} from "./platforms/tool-endpoints.js";
import { LaunchRejectedPage } from "./provider.views.js";
import { ToolLaunchStoragePage, ToolLoginStoragePage } from "./tool.views.js";

const html = "text/html; charset=utf-8";
/** A state Pluto made (32 random bytes, base64url): anything else names no login. */
const STATE = /^[A-Za-z0-9_-]{20,100}$/;

const fields = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The login's state cookie (src/lti/v1p3/tool-login.ts's attributes); maxAge 0 deletes it. */
function setStateCookie(reply: FastifyReply, c: Pick<StateCookie, "name" | "value">, maxAge: number) {
  reply.setCookie(c.name, c.value, {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "none",
    partitioned: true,
    maxAge,
  });
}

export function registerToolRoutes(app: FastifyInstance, ctx: AppContext) {
  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    r: LaunchRejected,
    returnUrl?: string | undefined,
  ) {
    const page = h(LaunchRejectedPage, {
      pc: pageContext(ctx, request, reply),
      reason: r.reason,
      message: r.message,
      returnUrl,
    });
    return reply.status(LAUNCH_STATUS[r.reason]).type(html).send(renderPage(page));
  }

  /** A refusal before the launch service (login, or an id_token that names nothing): logged here. */
  async function logRefusal(r: LaunchRejected, claimed: { key: string; user: string }) {
    ctx.log.info({ reason: r.reason }, "LTI 1.3 login or launch rejected");
    await writeLaunchLog(ctx.db, ctx.clock.now(), {
      direction: "in",
      courseId: null,
      deploymentId: null,
      consumerKey: claimed.key,
      remoteUserId: claimed.user,
      userId: null,
      result: "rejected",
      reason: r.reason,
      message: r.message,
    });
  }

  async function login(request: FastifyRequest, reply: FastifyReply) {
    request.framable = true;
    request.embedded = true;
    const params = fields(request.method === "GET" ? request.query : request.body);
    try {
      const fetchDest = request.headers["sec-fetch-dest"];
      const r = await handleToolLogin(params, {
        findPlatforms: (iss) => platformsOfIssuer(ctx, iss),
        isOwnLaunchUrl: (url) => isOwnLaunchUrl(ctx, url),
        redirectUri: redirectUriFor(ctx, params.target_link_uri),
        clock: ctx.clock,
        context: typeof fetchDest === "string" ? { fetchDest } : {},
      });
      if (r.action === "new_window") {
        // Chosen only when the caller says this frame's cookies are blocked, which this route never does:
        // the Partitioned cookie is tried, and after an accepted launch a session cookie the frame drops
        // ends at the hand-off's new-window page.
        throw new LaunchRejected("state_mismatch", "This browser keeps no sign-in state in this frame.");
      }
      await saveToolLogin(ctx.db, r.binding);
      setStateCookie(reply, r.browser.cookie, DEFAULT_LOGIN_TTL_SECONDS);
      if (r.browser.kind === "partitioned_cookie") return reply.redirect(r.redirectUrl, 302);
      return reply.type(html).send(
        renderPage(
          h(ToolLoginStoragePage, {
            pc: pageContext(ctx, request, reply),
            redirectUrl: r.redirectUrl,
            target: r.browser.storageTarget,
            origin: r.browser.targetOrigin,
            items: r.browser.items,
          }),
        ),
      );
    } catch (err) {
      if (!isLtiError(err) && !(err instanceof LaunchRejected)) throw err;
      const r = rejectionOf(err);
      const str = (v: unknown) => (typeof v === "string" ? v : "");
      await logRefusal(r, { key: str(params.lti_deployment_id), user: str(params.login_hint) });
      return refuse(request, reply, r);
    }
  }
  app.get(TOOL_LOGIN_PATH, login);
  app.post(TOOL_LOGIN_PATH, { config: { csrf: false } }, login);

  /** The id_token of either redirect URI: a resource link launch, or a Deep Linking request. */
  async function receive(path: string, request: FastifyRequest, reply: FastifyReply) {
    request.framable = true;
    request.embedded = true;
    const form = fields(request.body);
    const state = typeof form.state === "string" && STATE.test(form.state) ? form.state : "";
    const binding = state === "" ? undefined : await findToolLogin(ctx.db, state);
    const cookie = state === "" ? undefined : request.cookies[stateCookieName(state)];
    let browser: BrowserProof = { kind: "cookie", value: cookie };
    if (cookie === undefined && binding?.storage !== undefined) {
      if (form.lti_storage_read !== "1") {
        // No cookie came back: read the state from the platform's storage, then post again.
        const keep: Record<string, string> = { lti_storage_read: "1", state };
        if (typeof form.id_token === "string") keep.id_token = form.id_token;
        return reply.type(html).send(
          renderPage(
            h(ToolLaunchStoragePage, {
              pc: pageContext(ctx, request, reply),
              action: path,
              fields: keep,
              target: binding.storage.target,
              origin: binding.storage.origin,
              keys: storageKeys(state),
            }),
          ),
        );
      }
      const value = (name: string) =>
        typeof form[name] === "string" && form[name] !== "" ? (form[name] as string) : undefined;
      browser = {
        kind: "platform_storage",
        state: value("lti_storage_state"),
        nonce: value("lti_storage_nonce"),
      };
    }
    let peek: PeekedLaunch | undefined;
    try {
      peek = peekToolLaunch(form);
      if (peek.messageType === LTI13_MESSAGE_TYPES.deepLinkingRequest)
        return await deepLink(request, reply, form, peek, state, binding, browser, cookie);
      if (peek.uuid === "" && binding !== undefined)
        peek.uuid = await publicationOfHistory(ctx, peek.custom, {
          registrationId: Number(binding.platformId),
          deploymentId: peek.deploymentId,
        });
      let token = "";
      await handleLaunch(ctx, v1p3LaunchRequest(ctx, form, peek, binding, browser), async (trx, out) => {
        // The login is used once: a second launch with this state finds none.
        if (!(await deleteToolLogin(trx, state)))
          throw new LaunchRejected("state_unknown", "This launch was already used. Start it again.");
        const data = {
          lti: { publicationId: out.publicationId, courseId: out.courseId },
          embedded: out.embedded,
          ...(out.returnUrl ? { returnUrl: out.returnUrl } : {}),
        };
        await createSession({ ...ctx, db: trx }, reply, out.userId, data, { embedded: true });
        // A link made by Deep Linking may name one activity of the course (custom `activity`).
        const target = await activityTarget(trx, { ...out, custom: out.launch.custom });
        token = await createHandoff(trx, ctx.clock, { userId: out.userId, target, data });
      });
      if (cookie !== undefined) setStateCookie(reply, { name: stateCookieName(state), value: "" }, 0);
      return reply.redirect(`/enrol/lti/continue/${token}`, 303);
    } catch (err) {
      if (!isLtiError(err) && !(err instanceof LaunchRejected)) throw err;
      const r = rejectionOf(err);
      // A refusal of the launch service is logged there; one before it (no id_token to read) here.
      if (peek === undefined) await logRefusal(r, { key: "", user: "" });
      return refuse(request, reply, r);
    }
  }
  app.post(TOOL_LAUNCH_PATH, { config: { csrf: false } }, (request, reply) =>
    receive(TOOL_LAUNCH_PATH, request, reply),
  );
  app.post(TOOL_DEEP_LINKING_PATH, { config: { csrf: false } }, (request, reply) =>
    receive(TOOL_DEEP_LINKING_PATH, request, reply),
  );

  /**
   * A Deep Linking request (deep-linking/): verified as a launch (its login used once), then, from a teacher,
   * the picker; or at once the response when the platform takes no LTI links here.
   */
  async function deepLink(
    request: FastifyRequest,
    reply: FastifyReply,
    form: Record<string, unknown>,
    peek: PeekedLaunch,
    state: string,
    binding: LoginBinding | undefined,
    browser: BrowserProof,
    cookie: string | undefined,
  ) {
    let verified: Awaited<ReturnType<typeof verifyDeepLinkingRequest>>;
    try {
      verified = await verifyDeepLinkingRequest(ctx, form, binding, browser, () =>
        deleteToolLogin(ctx.db, state),
      );
    } catch (err) {
      if (!isLtiError(err) && !(err instanceof LaunchRejected)) throw err;
      const r = rejectionOf(err);
      await logRefusal(r, { key: peek.deploymentId, user: peek.sub });
      return refuse(request, reply, r);
    }
    if (cookie !== undefined) setStateCookie(reply, { name: stateCookieName(state), value: "" }, 0);
    const { launch, platform } = verified;
    try {
      const r = await offerContent(ctx, platform, launch);
      const pc = pageContext(ctx, request, reply);
      const page =
        r.kind === "answer"
          ? h(DeepLinkResponsePage, { pc, ...r.answer })
          : h(DeepLinkPickerPage, { pc, action: TOOL_DEEP_LINKING_CHOICE_PATH, offer: r.offer });
      return reply.type(html).send(renderPage(page));
    } catch (err) {
      if (!isLtiError(err) && !(err instanceof LaunchRejected)) throw err;
      const r = rejectionOf(err);
      ctx.log.info({ reason: r.reason }, "LTI Deep Linking request rejected");
      await logRefusedDeepLink(ctx, platform, launch, r);
      return refuse(request, reply, r, launch.presentation.returnUrl);
    }
  }

  app.post(TOOL_DEEP_LINKING_CHOICE_PATH, { config: { csrf: false } }, async (request, reply) => {
    request.framable = true;
    request.embedded = true;
    const form = fields(request.body);
    const token = typeof form.token === "string" ? form.token : "";
    const item = form.item;
    const items = Array.isArray(item)
      ? item.filter((v): v is string => typeof v === "string")
      : typeof item === "string"
        ? [item]
        : [];
    try {
      const a = await answerChoice(ctx, token, form.action === "cancel" ? [] : items);
      return reply
        .type(html)
        .send(renderPage(h(DeepLinkResponsePage, { pc: pageContext(ctx, request, reply), ...a })));
    } catch (err) {
      if (!isLtiError(err) && !(err instanceof LaunchRejected)) throw err;
      const r = rejectionOf(err);
      await logRefusal(r, { key: "", user: "" });
      return refuse(request, reply, r);
    }
  });
}
