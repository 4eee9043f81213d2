// Site admin pages for LTI Advantage platforms (Integrations → LTI Advantage platforms): list, register,
// a platform's page (Tool details, Platform details, deployments), edit, add and remove a deployment,
// delete. Site admins only. The JSON API is platforms.api.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { pageContext, redirectWithFlash } from "../../../http/app.js";
import { formProblem, problemStatus } from "../../../http/form-problem.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { INTEGRATIONS } from "../../../views/admin-layout.js";
import { addSiteAdminLink } from "../../../views/nav.js";
import { sendPage } from "../../../views/send-page.js";
import {
  addDeployment,
  deletePlatform,
  getPlatform,
  listPlatforms,
  PLATFORM_FIELDS,
  type Platform,
  registerPlatform,
  removeDeployment,
  updatePlatform,
} from "./platforms.service.js";
import {
  DeletePlatformPage,
  EMPTY_PLATFORM_FORM,
  PLATFORMS_PATH,
  PLATFORMS_TITLE,
  PlatformFormPage,
  type PlatformFormValues,
  PlatformPage,
  PlatformsPage,
} from "./platforms.views.js";
import { toolDetails } from "./tool-endpoints.js";

const idParams = z.object({ id: idParam });
const deploymentParams = z.object({ id: idParam, deploymentId: idParam });

/** The submitted form as typed: only the platform's fields (not _csrf). */
function fromForm(body: unknown, withDeployments: boolean): PlatformFormValues {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const out = { ...EMPTY_PLATFORM_FORM };
  for (const k of [...PLATFORM_FIELDS, "deploymentIds"] as const)
    out[k] = typeof b[k] === "string" ? (b[k] as string) : "";
  if (!withDeployments) out.deploymentIds = "";
  return out;
}

/** The service's input: the form's deployment ids are one per line, blank lines left out. */
function inputOf(v: PlatformFormValues, withDeployments: boolean): Record<string, unknown> {
  const { deploymentIds, ...rest } = v;
  if (!withDeployments) return rest;
  return { ...rest, deploymentIds: deploymentIds.split(/\r\n?|\n/).filter((l) => l.trim() !== "") };
}

function valuesOf(p: Platform): PlatformFormValues {
  const out = { ...EMPTY_PLATFORM_FORM };
  for (const k of PLATFORM_FIELDS) out[k] = p[k];
  return out;
}

export function registerPlatformRoutes(app: FastifyInstance, ctx: AppContext) {
  const tool = toolDetails(ctx.config.publicUrl);

  async function save(
    request: FastifyRequest,
    reply: FastifyReply,
    platform: Platform | undefined,
    run: (input: Record<string, unknown>) => Promise<Platform>,
  ) {
    const actor = requireSiteAdmin(request);
    const values = fromForm(request.body, !platform);
    try {
      const saved = await run(inputOf(values, !platform));
      request.log.info(
        { platformId: saved.id, status: saved.status, actorId: actor.id },
        platform ? "LTI Advantage platform changed" : "LTI Advantage platform registered",
      );
      return redirectWithFlash(reply, `${PLATFORMS_PATH}/${saved.id}`, `Platform “${saved.name}” saved.`);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      request.log.info({ actorId: actor.id, code: problem.code }, "LTI Advantage platform form refused");
      return sendPage(
        reply,
        <PlatformFormPage
          pc={pageContext(ctx, request, reply)}
          platform={platform}
          tool={tool}
          values={values}
          problem={problem}
        />,
        problemStatus(problem),
      );
    }
  }

  app.get(PLATFORMS_PATH, async (request, reply) => {
    requireSiteAdmin(request);
    const platforms = await listPlatforms(ctx.db);
    return sendPage(reply, <PlatformsPage pc={pageContext(ctx, request, reply)} platforms={platforms} />);
  });

  app.get(`${PLATFORMS_PATH}/new`, async (request, reply) => {
    requireSiteAdmin(request);
    return sendPage(
      reply,
      <PlatformFormPage pc={pageContext(ctx, request, reply)} tool={tool} values={EMPTY_PLATFORM_FORM} />,
    );
  });

  app.post(`${PLATFORMS_PATH}/new`, (request, reply) =>
    save(request, reply, undefined, (input) => registerPlatform(ctx, input)),
  );

  app.get(`${PLATFORMS_PATH}/:id`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const platform = await getPlatform(ctx.db, id);
    return sendPage(
      reply,
      <PlatformPage pc={pageContext(ctx, request, reply)} platform={platform} tool={tool} />,
    );
  });

  app.get(`${PLATFORMS_PATH}/:id/edit`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const platform = await getPlatform(ctx.db, id);
    return sendPage(
      reply,
      <PlatformFormPage
        pc={pageContext(ctx, request, reply)}
        platform={platform}
        tool={tool}
        values={valuesOf(platform)}
      />,
    );
  });

  app.post(`${PLATFORMS_PATH}/:id/edit`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const platform = await getPlatform(ctx.db, id);
    return save(request, reply, platform, (input) => updatePlatform(ctx, id, input));
  });

  app.post(`${PLATFORMS_PATH}/:id/deployments`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const platform = await getPlatform(ctx.db, id);
    const typed = (request.body as Record<string, unknown> | undefined)?.deploymentId;
    const value = typeof typed === "string" ? typed : "";
    try {
      const p = await addDeployment(ctx, id, { deploymentId: value });
      request.log.info({ platformId: id, actorId: actor.id }, "LTI Advantage platform deployment added");
      return redirectWithFlash(
        reply,
        `${PLATFORMS_PATH}/${id}`,
        `Deployment ${value.trim()} added to ${p.name}.`,
      );
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      request.log.info({ platformId: id, code: problem.code }, "LTI Advantage platform deployment refused");
      return sendPage(
        reply,
        <PlatformPage
          pc={pageContext(ctx, request, reply)}
          platform={platform}
          tool={tool}
          deploymentValue={value}
          problem={problem}
        />,
        problemStatus(problem),
      );
    }
  });

  app.post(`${PLATFORMS_PATH}/:id/deployments/:deploymentId/remove`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id, deploymentId } = parseInput(deploymentParams, request.params);
    const before = await getPlatform(ctx.db, id);
    const p = await removeDeployment(ctx, id, deploymentId);
    const removed = before.deployments.find((d) => d.id === deploymentId)?.deploymentId ?? "";
    request.log.info({ platformId: id, actorId: actor.id }, "LTI Advantage platform deployment removed");
    return redirectWithFlash(
      reply,
      `${PLATFORMS_PATH}/${id}`,
      `Deployment ${removed} removed from ${p.name}.`,
    );
  });

  app.get(`${PLATFORMS_PATH}/:id/delete`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const platform = await getPlatform(ctx.db, id);
    return sendPage(reply, <DeletePlatformPage pc={pageContext(ctx, request, reply)} platform={platform} />);
  });

  app.post(`${PLATFORMS_PATH}/:id/delete`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const p = await deletePlatform(ctx, id);
    request.log.info({ platformId: id, actorId: actor.id }, "LTI Advantage platform deleted");
    return redirectWithFlash(reply, PLATFORMS_PATH, `Platform “${p.name}” deleted.`);
  });
}

/** The page's link under Site admin → Integrations (called from src/features/index.ts). */
export function registerPlatformsLinks(): void {
  addSiteAdminLink({
    label: PLATFORMS_TITLE,
    href: PLATFORMS_PATH,
    group: INTEGRATIONS,
    order: 22,
    description:
      "LMSs that launch this site's published courses over LTI 1.3 (LTI Advantage): register a platform, its deployments, and the Tool details to give its administrator.",
  });
}
