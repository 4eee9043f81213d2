// Site admin pages for site-wide external tools: list, add, edit, delete.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../../app/context.js";
import { requireSiteAdmin } from "../../../http/access.js";
import { pageContext, redirectWithFlash } from "../../../http/app.js";
import { formProblem, problemStatus } from "../../../http/form-problem.js";
import { idParam, parseInput } from "../../../shared/validation.js";
import { INTEGRATIONS } from "../../../views/admin-layout.js";
import type { FormProblemInfo } from "../../../views/form-problem.js";
import { addSiteAdminLink } from "../../../views/nav.js";
import type { PageContext } from "../../../views/page-context.js";
import { sendPage } from "../../../views/send-page.js";
import { autoActivateDynamicTools } from "../../lti-common/platform-keys.service.js";
import { registrationSummaryOf, upgradeCandidateOf } from "./dynamic-registration.service.js";
import { DynamicRegistrationBox, PendingActions } from "./dynamic-registration.views.js";
import { cartridgeDeps } from "./lti-settings.js";
import {
  findRegistrationOf,
  lti13InputOf,
  platformDetails,
  registrationsByToolType,
  upgradeInputOf,
} from "./tool-registrations.service.js";
import {
  createToolType,
  deleteToolType,
  getToolType,
  listToolTypes,
  type ToolType,
  toolTypeInputOf,
  updateToolType,
} from "./tool-types.service.js";
import {
  DeleteToolTypePage,
  EMPTY_TOOL_FORM,
  TOOLS_PATH,
  TOOLS_TITLE,
  ToolDetailsPage,
  type ToolFormValues,
  ToolTypeFormPage,
  ToolTypesPage,
} from "./tool-types.views.js";

const idParams = z.object({ id: idParam });
const TEXT_FIELDS = [
  "name",
  "description",
  "toolUrl",
  "consumerKey",
  "sharedSecret",
  "customParameters",
  "iconUrl",
  "secureIconUrl",
  "launchContainer",
  "ltiVersion",
  "initiateLoginUrl",
  "redirectUris",
  "publicKeyType",
  "publicKeysetUrl",
  "publicKey",
  "deepLinkingUrl",
] as const;
const FLAGS = [
  "shareName",
  "shareEmail",
  "acceptGrades",
  "showInPicker",
  "deepLinking",
  "serviceAgs",
  "serviceNrps",
] as const;

/** The submitted form as typed (for re-display) and as service input (checkboxes as booleans). */
function fromForm(body: unknown): ToolFormValues {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const out = { ...EMPTY_TOOL_FORM };
  for (const k of TEXT_FIELDS) out[k] = typeof b[k] === "string" ? (b[k] as string) : "";
  for (const k of FLAGS) out[k] = b[k] === "1";
  return out;
}

async function valuesOf(ctx: AppContext, t: ToolType): Promise<ToolFormValues> {
  const r = t.ltiVersion === "1.3" ? await findRegistrationOf(ctx.db, t.id) : undefined;
  if (!r) return { ...EMPTY_TOOL_FORM, ...toolTypeInputOf(t), ltiVersion: t.ltiVersion };
  const v = lti13InputOf(t, r);
  return {
    ...EMPTY_TOOL_FORM,
    ...toolTypeInputOf(t),
    ltiVersion: "1.3",
    initiateLoginUrl: r.initiateLoginUrl,
    redirectUris: r.redirectUris.join("\n"),
    publicKeyType: v.publicKeyType ?? "keyset",
    publicKeysetUrl: r.publicKeysetUrl,
    publicKey: r.publicKey,
    deepLinking: r.deepLinking,
    deepLinkingUrl: r.deepLinkingUrl,
    serviceAgs: r.services.ags,
    serviceNrps: r.services.nrps,
  };
}

/** The form as service input: the service checkboxes as the API's `services` object. */
function inputOf(values: ToolFormValues): Record<string, unknown> {
  const { serviceAgs, serviceNrps, ...rest } = values;
  return { ...rest, services: { ags: serviceAgs, nrps: serviceNrps } };
}

/** The tools list, with the Dynamic Registration box (and its refusal) and each Pending tool's Activate. */
export async function toolsListPage(
  ctx: AppContext,
  pc: PageContext,
  box: { url?: string; problem?: FormProblemInfo } = {},
) {
  const [tools, regs, autoActivate] = await Promise.all([
    listToolTypes(ctx.db),
    registrationsByToolType(ctx.db),
    autoActivateDynamicTools(ctx),
  ]);
  return (
    <ToolTypesPage
      pc={pc}
      tools={tools}
      dynamicRegistration={<DynamicRegistrationBox pc={pc} autoActivate={autoActivate} {...box} />}
      status={(t) => {
        const r = regs.get(t.id);
        const summary = registrationSummaryOf(r);
        const upgrade = summary ? upgradeCandidateOf(tools, t) : undefined;
        return r?.status === "pending" ? (
          <PendingActions
            pc={pc}
            toolsPath={TOOLS_PATH}
            id={t.id}
            name={t.name}
            summary={summary}
            upgrade={upgrade ? { id: upgrade.id, name: upgrade.name } : undefined}
          />
        ) : null;
      }}
    />
  );
}

export function registerToolTypeRoutes(app: FastifyInstance, ctx: AppContext) {
  const deps = cartridgeDeps(ctx);
  const platform = { issuer: platformDetails(ctx.config.publicUrl).issuer };

  async function save(
    request: FastifyRequest,
    reply: FastifyReply,
    tool: ToolType | undefined,
    run: (input: ToolFormValues) => Promise<ToolType>,
  ) {
    const values = fromForm(request.body);
    try {
      const saved = await run(values);
      // An LTI 1.3 tool's page shows what its vendor needs next: the Tool configuration details.
      const next = saved.ltiVersion === "1.3" ? `${TOOLS_PATH}/${saved.id}` : TOOLS_PATH;
      return redirectWithFlash(reply, next, `External tool “${saved.name}” saved.`);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        <ToolTypeFormPage pc={pc} tool={tool} values={values} problem={problem} />,
        problemStatus(problem),
      );
    }
  }

  app.get(TOOLS_PATH, async (request, reply) => {
    requireSiteAdmin(request);
    const pc = pageContext(ctx, request, reply);
    return sendPage(reply, await toolsListPage(ctx, pc));
  });

  app.get(`${TOOLS_PATH}/new`, async (request, reply) => {
    requireSiteAdmin(request);
    return sendPage(
      reply,
      <ToolTypeFormPage pc={pageContext(ctx, request, reply)} values={EMPTY_TOOL_FORM} />,
    );
  });

  app.post(`${TOOLS_PATH}/new`, async (request, reply) => {
    requireSiteAdmin(request);
    return save(request, reply, undefined, (input) =>
      createToolType(ctx.db, ctx.clock, deps, inputOf(input), platform),
    );
  });

  app.get(`${TOOLS_PATH}/:id`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    const registration = tool.ltiVersion === "1.3" ? await findRegistrationOf(ctx.db, id) : undefined;
    if (!registration) return reply.redirect(`${TOOLS_PATH}/${id}/edit`, 303);
    return sendPage(
      reply,
      <ToolDetailsPage
        pc={pageContext(ctx, request, reply)}
        tool={tool}
        registration={registration}
        platform={platformDetails(ctx.config.publicUrl)}
      />,
    );
  });

  app.get(`${TOOLS_PATH}/:id/edit`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    return sendPage(
      reply,
      <ToolTypeFormPage
        pc={pageContext(ctx, request, reply)}
        tool={tool}
        values={await valuesOf(ctx, tool)}
      />,
    );
  });

  // "Upgrade to LTI 1.3" on an LTI 1.1 tool's edit page: its LTI 1.3 form, posted to the edit route.
  app.get(`${TOOLS_PATH}/:id/upgrade`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    if (tool.ltiVersion !== "1.1") return reply.redirect(`${TOOLS_PATH}/${id}/edit`, 303);
    const start = upgradeInputOf(tool);
    const values: ToolFormValues = {
      ...EMPTY_TOOL_FORM,
      ...toolTypeInputOf(tool),
      ltiVersion: "1.3",
      toolUrl: start.toolUrl,
    };
    return sendPage(
      reply,
      <ToolTypeFormPage pc={pageContext(ctx, request, reply)} tool={tool} values={values} />,
    );
  });

  app.post(`${TOOLS_PATH}/:id/edit`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    return save(request, reply, tool, (input) =>
      updateToolType(ctx.db, ctx.clock, deps, id, inputOf(input), platform),
    );
  });

  app.get(`${TOOLS_PATH}/:id/delete`, async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    return sendPage(reply, <DeleteToolTypePage pc={pageContext(ctx, request, reply)} tool={tool} />);
  });

  app.post(`${TOOLS_PATH}/:id/delete`, async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const tool = await getToolType(ctx.db, id);
    await deleteToolType(ctx.db, id);
    request.log.info({ toolTypeId: id, actorId: actor.id }, "site-wide external tool deleted");
    return redirectWithFlash(reply, TOOLS_PATH, `External tool “${tool.name}” deleted.`);
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerToolTypesLinks(): void {
  addSiteAdminLink({
    label: TOOLS_TITLE,
    href: TOOLS_PATH,
    group: INTEGRATIONS,
    order: 10,
    description:
      "External LTI tools that every course can add as an External tool activity: tool URL, consumer key and shared secret.",
  });
}
