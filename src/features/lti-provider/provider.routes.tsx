// HTTP edge of "Publish as LTI tool": the launch endpoint, the cartridge, the published details
// page and API, the launch log pages, the cookie-less continuation, and the site admin's consumers
// page and API (which deployments share accounts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { can, courseCaps, requireCapability, requireSiteAdmin } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { LAUNCH_STATUS } from "../../http/lti-errors.js";
import { addApiOperation } from "../../http/openapi.js";
import { createSession } from "../../http/session.js";
import { NotFoundError } from "../../shared/errors.js";
import { idParam, jsonRowId, parseInput, rowId } from "../../shared/validation.js";
import { renderPage } from "../../views/html.js";
import { addCourseAdminLink, addSiteAdminLink } from "../../views/nav.js";
import { getCourse } from "../courses/courses.service.js";
import { listInstances } from "../enrolments/enrolments.service.js";
import { listLaunchLog } from "../lti-common/launch-log.service.js";
import {
  type Consumer,
  declareSameConsumer,
  getConsumer,
  listConsumers,
  separateAccounts,
} from "./accounts/consumers.service.js";
import { consumeHandoff, createHandoff, peekHandoff } from "./launch/handoff.service.js";
import { handleLaunch, LaunchRejected } from "./launch/launch.service.js";
import { v1p1LaunchRequest } from "./launch/v1p1.adapter.js";
import {
  CONSUMERS_PATH,
  CONSUMERS_TITLE,
  ConsumersPage,
  CookieBlockedPage,
  CourseLaunchLogPage,
  LAUNCH_LOG_TITLE,
  LaunchRejectedPage,
  PUBLISHED_TITLE,
  PublishedPage,
  SiteLaunchLogPage,
} from "./provider.views.js";
import { cartridgeXml, publishedDetails } from "./publications/publications.service.js";
import { registerToolRoutes } from "./tool.routes.js";

const publishedUrl = (courseId: number) => `/course/${courseId}/lti-publications`;
const launchLogUrl = (courseId: number) => `/course/${courseId}/lti-launches`;

const html = "text/html; charset=utf-8";
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const uuidParams = z.object({ uuid: z.string().regex(/^[0-9a-f-]{36}$/) });
const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/) });
const consumerParams = z.object({ id: idParam });
const sameAsForm = z.object({ sameAs: rowId });
const accountScopeBody = z.object({
  sameAs: jsonRowId
    .nullable()
    .describe(
      "another consumer with the same consumer key to share accounts with; null: its own accounts only",
    ),
});

/** A consumer (provider-side deployment) as the API shows it to a site admin. */
function presentConsumer(c: Consumer) {
  return {
    id: c.id,
    consumerKey: c.consumerKey,
    publication: c.publication ?? null,
    label: c.label,
    accountScope: c.accountScope,
    linkedAccounts: c.linkedAccounts,
    sharesWith: c.sharesWith,
    sameKey: c.sameKey,
    createdAt: c.createdAt,
  };
}
const CONSUMER_SHAPE =
  "{id, consumerKey, publication: {id, instanceId, courseId, courseName, methodName} | null, label, accountScope, linkedAccounts, sharesWith: [id], sameKey: [id], createdAt}";

/** Whom `c` now shares accounts with, for the flash message. */
function sharedWith(c: Consumer): string {
  const n = c.sharesWith.length;
  return `${n} other consumer${n === 1 ? "" : "s"} of the key ${c.consumerKey}`;
}

/** Form fields as an ordered list, repeated names kept (the signature covers every one). */
function formParams(body: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!body || typeof body !== "object") return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(v) ? v : [v]) if (typeof item === "string") out.push([k, item]);
  }
  return out;
}

export function registerProviderRoutes(app: FastifyInstance, ctx: AppContext) {
  registerToolRoutes(app, ctx);
  async function publishedList(request: FastifyRequest, courseId: number) {
    const canManage = await can(ctx.db, request, courseId, "enrol:manage", ctx.clock.now());
    const instances = await listInstances(ctx.db, courseId, "lti");
    return { canManage, items: await Promise.all(instances.map((i) => publishedDetails(ctx, i, canManage))) };
  }

  /** The consumers that launched each publication of the list, by its enrolment instance (for managers). */
  async function consumersByPublication(items: readonly { instanceId: number }[]) {
    const ids = new Set(items.map((i) => i.instanceId));
    const out = new Map<number, Consumer[]>();
    for (const c of await listConsumers(ctx.db)) {
      const id = c.publication?.instanceId;
      if (id !== undefined && ids.has(id)) out.set(id, [...(out.get(id) ?? []), c]);
    }
    return out;
  }

  app.post("/enrol/lti/launch/:uuid", { config: { csrf: false } }, async (request, reply) => {
    request.framable = true;
    request.embedded = true;
    const uuid = uuidParams.safeParse(request.params);
    const params = formParams(request.body);
    const returnUrl = params.find(([k]) => k === "launch_presentation_return_url")?.[1];
    try {
      if (!uuid.success)
        throw new LaunchRejected("unknown_tool", "There is no published tool at this address.");
      let token = "";
      // The session and the hand-off token are written in the launch's own transaction (one commit).
      await handleLaunch(ctx, v1p1LaunchRequest(uuid.data.uuid, params), async (trx, out) => {
        const data = {
          lti: { publicationId: out.publicationId, courseId: out.courseId },
          embedded: out.embedded,
          ...(out.returnUrl ? { returnUrl: out.returnUrl } : {}),
        };
        await createSession({ ...ctx, db: trx }, reply, out.userId, data, { embedded: true });
        token = await createHandoff(trx, ctx.clock, { userId: out.userId, target: out.target, data });
      });
      return reply.redirect(`/enrol/lti/continue/${token}`, 303);
    } catch (err) {
      if (!(err instanceof LaunchRejected)) throw err;
      const safeReturn = returnUrl && /^https?:\/\//.test(returnUrl) ? returnUrl : undefined;
      const page = h(LaunchRejectedPage, {
        pc: pageContext(ctx, request, reply),
        reason: err.reason,
        message: err.message,
        returnUrl: safeReturn,
      });
      return reply.status(LAUNCH_STATUS[err.reason]).type(html).send(renderPage(page));
    }
  });

  // After a launch: with the session cookie present, go on to the course; without it (the browser
  // keeps no cookie in this frame), offer a new window instead of a broken page.
  app.get("/enrol/lti/continue/:token", async (request, reply) => {
    request.framable = true;
    const { token } = tokenParams.parse(request.params);
    const handoff = await peekHandoff(ctx.db, ctx.clock, token);
    if (!handoff) throw new NotFoundError("Launch (it has expired: start it again from your course)");
    if (request.actor?.id === handoff.userId) {
      await consumeHandoff(ctx.db, ctx.clock, token);
      return reply.redirect(handoff.target, 303);
    }
    request.log.info({ userId: handoff.userId }, "LTI launch without cookie: offering a new window");
    request.embedded = true;
    return reply.type(html).send(
      renderPage(
        h(CookieBlockedPage, {
          pc: pageContext(ctx, request, reply),
          handoffUrl: `/enrol/lti/handoff/${token}`,
        }),
      ),
    );
  });

  app.get("/enrol/lti/handoff/:token", async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const handoff = await consumeHandoff(ctx.db, ctx.clock, token);
    if (!handoff)
      throw new NotFoundError("Launch (it has expired or was already used: start it again from your course)");
    await createSession(ctx, reply, handoff.userId, { ...handoff.data, embedded: false });
    return reply.redirect(handoff.target, 303);
  });

  app.get("/enrol/lti/cartridge/:uuid/cartridge.xml", async (request, reply) => {
    const p = uuidParams.safeParse(request.params);
    if (!p.success) throw new NotFoundError("Published tool");
    return reply.type("application/xml; charset=utf-8").send(await cartridgeXml(ctx, p.data.uuid));
  });

  app.get("/course/:id/lti-publications", async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const course = await getCourse(ctx.db, id);
    await requireCapability(ctx.db, request, id, "course:viewparticipants", ctx.clock.now());
    const { canManage, items } = await publishedList(request, id);
    const caps = await courseCaps(ctx, request, id);
    const consumers = canManage ? await consumersByPublication(items) : new Map<number, Consumer[]>();
    return reply.type(html).send(
      renderPage(
        h(PublishedPage, {
          pc: pageContext(ctx, request, reply),
          course,
          caps,
          items,
          canManage,
          consumers,
        }),
      ),
    );
  });

  app.get("/course/:id/lti-launches", async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const course = await getCourse(ctx.db, id);
    await requireCapability(ctx.db, request, id, "enrol:manage", ctx.clock.now());
    const rows = await listLaunchLog(ctx.db, { courseId: id, limit: 200 });
    const caps = await courseCaps(ctx, request, id);
    return reply
      .type(html)
      .send(renderPage(h(CourseLaunchLogPage, { pc: pageContext(ctx, request, reply), course, caps, rows })));
  });

  app.get("/admin/lti/launches", async (request, reply) => {
    requireSiteAdmin(request);
    const rows = await listLaunchLog(ctx.db, { limit: 500 });
    return reply
      .type(html)
      .send(renderPage(h(SiteLaunchLogPage, { pc: pageContext(ctx, request, reply), rows })));
  });

  app.get(CONSUMERS_PATH, async (request, reply) => {
    requireSiteAdmin(request);
    const consumers = await listConsumers(ctx.db);
    return reply
      .type(html)
      .send(renderPage(h(ConsumersPage, { pc: pageContext(ctx, request, reply), consumers })));
  });

  app.post(`${CONSUMERS_PATH}/:id/same-consumer`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(consumerParams, request.params);
    const { sameAs } = parseInput(sameAsForm, request.body);
    const c = await declareSameConsumer(ctx.db, id, sameAs);
    request.log.info({ deploymentId: id, sameAs, actorId: actor.id }, "LTI consumers declared the same");
    return redirectWithFlash(reply, CONSUMERS_PATH, `${c.label} now shares accounts with ${sharedWith(c)}.`);
  });

  app.post(`${CONSUMERS_PATH}/:id/separate`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(consumerParams, request.params);
    const c = await separateAccounts(ctx.db, id);
    request.log.info({ deploymentId: id, actorId: actor.id }, "LTI consumer's accounts kept separate");
    return redirectWithFlash(reply, CONSUMERS_PATH, `${c.label} now reaches only its own accounts.`);
  });

  addApiOperation({
    method: "get",
    path: "/lti/consumers",
    summary:
      "The consumers of the site's published tools (site admin): each publication and consumer key launched with, and whose accounts it shares",
    tag: "LTI provider",
    responses: { 200: `[${CONSUMER_SHAPE}]` },
  });
  app.get("/api/v1/lti/consumers", async (request) => {
    requireSiteAdmin(request);
    return (await listConsumers(ctx.db)).map(presentConsumer);
  });

  addApiOperation({
    method: "put",
    path: "/lti/consumers/{id}/account-scope",
    summary:
      "Declare a consumer the same as another consumer with the same consumer key, so remote users keep one account across both (site admin); sameAs null undoes it",
    tag: "LTI provider",
    body: accountScopeBody,
    responses: { 200: CONSUMER_SHAPE },
  });
  app.put("/api/v1/lti/consumers/:id/account-scope", async (request) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(consumerParams, request.params);
    if (!(await getConsumer(ctx.db, id))) throw new NotFoundError("LTI consumer");
    const { sameAs } = parseInput(accountScopeBody, request.body);
    const c =
      sameAs === null ? await separateAccounts(ctx.db, id) : await declareSameConsumer(ctx.db, id, sameAs);
    request.log.info({ deploymentId: id, sameAs, actorId: actor.id }, "LTI consumer's account scope set");
    return presentConsumer(c);
  });

  addApiOperation({
    method: "get",
    path: "/courses/{id}/lti-publications",
    summary:
      'The course\'s LTI publications with the details a consumer needs. ltiVersion "1.3" (LTI Advantage): the tool\'s URLs for the platform and customParameters {id: uuid}, the custom parameter that selects the instance; no secret. ltiVersion "1.1" (Legacy LTI): cartridgeUrl, launchUrl and the secret (only for enrolment managers)',
    tag: "LTI provider",
    responses: {
      200: '[{id, instanceId, name, status, publish, activityId, toolName, version, ltiVersion: "1.3", launchUrl, initiateLoginUrl, deepLinkingUrl, publicKeysetUrl, redirectUris: [url], customParameters: {id}} | {…, ltiVersion: "1.1", cartridgeUrl, launchUrl, secret}]',
    },
  });
  app.get("/api/v1/courses/:id/lti-publications", async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = idParams.parse(request.params);
    await getCourse(ctx.db, id);
    await requireCapability(ctx.db, request, id, "course:viewparticipants", ctx.clock.now());
    const { items } = await publishedList(request, id);
    return reply.send(items);
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerProviderLinks(): void {
  addCourseAdminLink({
    label: PUBLISHED_TITLE,
    href: publishedUrl,
    capability: "course:viewparticipants",
    order: 15,
  });
  addCourseAdminLink({ label: LAUNCH_LOG_TITLE, href: launchLogUrl, capability: "enrol:manage", order: 16 });
  addSiteAdminLink({
    label: CONSUMERS_TITLE,
    href: CONSUMERS_PATH,
    group: "Integrations",
    order: 21,
    description:
      "The LMSs launching the courses this site publishes as LTI tools, by consumer key; declare two of them the same consumer so their remote users keep one account.",
  });
  addSiteAdminLink({
    label: LAUNCH_LOG_TITLE,
    href: "/admin/lti/launches",
    group: "Integrations",
    order: 20,
    description:
      "Every LTI launch into the courses this site publishes as LTI tools, accepted or refused, with the reason.",
  });
}
