// The "Enrollment methods" page of a course: list, add (through the "Add method" drop-down),
// edit, enable/disable and delete method instances. Capability enrol:manage.
// Past ~300 lines: one page's five actions share its form parsing and re-render on a problem.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { courseCaps, requireActor, requireCapability, rolesInCourse } from "../../http/access.js";
import { pageContext, redirectWithFlash, viewerTimeZone } from "../../http/app.js";
import { ConflictError, type FieldError, NotFoundError, ValidationError } from "../../shared/errors.js";
import { parseInput, rowId } from "../../shared/validation.js";
import { renderPage } from "../../views/html.js";
import { addCourseAdminLink } from "../../views/nav.js";
import { getCourse } from "../courses/courses.service.js";
import type { Role } from "../roles/capabilities.js";
import {
  type CommonFormValues,
  commonValuesFromBody,
  commonValuesOf,
  parseCommonForm,
} from "./enrol-form.js";
import { renderCommonFields } from "./enrol-form.views.js";
import {
  type EnrolMethod,
  enrolMethodLabel,
  findEnrolMethod,
  type InstanceCommon,
  listEnrolMethods,
} from "./enrol-methods.js";
import {
  DeleteInstancePage,
  EnrolMethodsPage,
  InstanceFormPage,
  listUrl,
  PAGE_TITLE,
} from "./enrol-methods.views.js";
import {
  addMethodInstance,
  assertMayGiveRoles,
  assignableRoles,
  countEnrolmentsByInstance,
  deleteMethodInstance,
  type EnrolInstance,
  getInstance,
  instanceRoles,
  listInstances,
  roleChoices,
  updateMethodInstance,
} from "./enrolments.service.js";

const courseParams = z.object({ id: rowId });
const instanceParams = z.object({ id: rowId, instanceId: rowId });
const methodKey = z.object({
  method: z.string({ error: "Choose a method" }).min(1, "Choose a method").max(40),
});

type Body = Record<string, unknown>;
const bodyOf = (request: FastifyRequest): Body =>
  typeof request.body === "object" && request.body !== null && !Array.isArray(request.body)
    ? (request.body as Body)
    : {};

export function registerEnrolMethodRoutes(app: FastifyInstance, ctx: AppContext) {
  /** Who may manage the course's methods: 401, then 404 for an unknown course, then 403. */
  async function frame(request: FastifyRequest, reply: FastifyReply, courseId: number) {
    requireActor(request);
    const course = await getCourse(ctx.db, courseId);
    await requireCapability(ctx.db, request, courseId, "enrol:manage", ctx.clock.now());
    return { pc: pageContext(ctx, request, reply), course, caps: await courseCaps(ctx, request, courseId) };
  }

  async function assignable(request: FastifyRequest, courseId: number): Promise<Role[]> {
    const actor = requireActor(request);
    return assignableRoles(await rolesInCourse(ctx.db, request, courseId, ctx.clock.now()), actor.siteAdmin);
  }

  /** Each role the instance gives must be one the actor may give (a teacher cannot open a "manager" door). */
  async function assertRolesAllowed(
    request: FastifyRequest,
    courseId: number,
    method: EnrolMethod,
    next: { role: string; settings: Body },
    existing?: EnrolInstance,
  ) {
    assertMayGiveRoles(
      await assignable(request, courseId),
      instanceRoles(method, next),
      existing && instanceRoles(method, existing),
    );
  }

  /** The instance, only when it belongs to this course. */
  async function instanceOf(courseId: number, instanceId: number): Promise<EnrolInstance> {
    const instance = await getInstance(ctx.db, instanceId);
    if (instance.courseId !== courseId) throw new NotFoundError("Enrolment method");
    return instance;
  }

  function methodOf(key: string): EnrolMethod {
    const method = findEnrolMethod(key);
    if (!method) throw new NotFoundError("Enrolment method type");
    return method;
  }

  async function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    courseId: number,
    v: {
      method: EnrolMethod;
      instance?: EnrolInstance;
      common: CommonFormValues;
      values: Body;
      errors: FieldError[];
    },
  ) {
    const f = await frame(request, reply, courseId);
    const data = (await v.method.loadFormData?.(ctx, courseId, v.instance)) ?? {};
    const allowed = await assignable(request, courseId);
    const saved = v.instance ? instanceRoles(v.method, v.instance) : {};
    const choices = (setting: string) => roleChoices(allowed, saved[setting]);
    const form = {
      courseId,
      instance: v.instance,
      values: v.values,
      errors: v.errors,
      data,
      common: renderCommonFields(v.method, v.common, v.errors, choices("role"), f.pc.timeZone),
      roleChoices: choices,
    };
    return reply
      .status(v.errors.length > 0 ? 400 : 200)
      .type("text/html; charset=utf-8")
      .send(renderPage(h(InstanceFormPage, { ...f, method: v.method, form, errors: v.errors })));
  }

  /** Parses the common fields and the method's own, collecting the errors of both. */
  async function parseSubmission(
    request: FastifyRequest,
    body: Body,
    method: EnrolMethod,
    courseId: number,
    existing?: EnrolInstance,
  ) {
    const errors: FieldError[] = [];
    let common: (InstanceCommon & { role: Role }) | undefined;
    let settings: Body | undefined;
    try {
      common = parseCommonForm(body, viewerTimeZone(ctx, request), existing);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      errors.push(...err.fields);
    }
    try {
      settings = await method.parseForm(body, ctx, courseId, existing);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      errors.push(...(err.fields.length > 0 ? err.fields : [{ field: "_", message: err.message }]));
    }
    return common && settings && errors.length === 0
      ? { ok: true as const, common, settings }
      : { ok: false as const, errors };
  }

  app.get("/course/:id/enrol-methods", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    const f = await frame(request, reply, id);
    const instances = await listInstances(ctx.db, id);
    const counts = await countEnrolmentsByInstance(ctx.db, id);
    const rows = instances.map((instance) => ({
      instance,
      methodLabel: enrolMethodLabel(instance.method),
      enrolled: counts.get(instance.id) ?? 0,
    }));
    const present = new Set(instances.map((i) => i.method));
    const addable = listEnrolMethods()
      .filter((m) => m.multiple || !present.has(m.key))
      .map((m) => ({ key: m.key, label: m.label }));
    return reply
      .type("text/html; charset=utf-8")
      .send(renderPage(h(EnrolMethodsPage, { ...f, rows, addable })));
  });

  app.get("/course/:id/enrol-methods/add", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    await frame(request, reply, id);
    const method = methodOf(parseInput(methodKey, request.query).method);
    await assertAddable(method, id);
    return renderForm(request, reply, id, {
      method,
      common: commonValuesOf(undefined, viewerTimeZone(ctx, request)),
      values: {},
      errors: [],
    });
  });

  async function assertAddable(method: EnrolMethod, courseId: number) {
    if (!method.multiple && (await listInstances(ctx.db, courseId, method.key)).length > 0) {
      throw new ConflictError(`This course already has the ${method.label} method`);
    }
  }

  app.post("/course/:id/enrol-methods/add", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    await frame(request, reply, id);
    const body = bodyOf(request);
    const method = methodOf(parseInput(methodKey, body).method);
    await assertAddable(method, id);
    const parsed = await parseSubmission(request, body, method, id);
    if (!parsed.ok)
      return renderForm(request, reply, id, {
        method,
        common: commonValuesFromBody(body),
        values: body,
        errors: parsed.errors,
      });
    await assertRolesAllowed(request, id, method, { role: parsed.common.role, settings: parsed.settings });
    try {
      const instance = await addMethodInstance(ctx, id, {
        ...parsed.common,
        method: method.key,
        settings: parsed.settings,
      });
      return redirectWithFlash(reply, listUrl(id), `Added the enrolment method "${instance.name}".`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderForm(request, reply, id, {
        method,
        common: commonValuesFromBody(body),
        values: body,
        errors: err.fields,
      });
    }
  });

  app.get("/course/:id/enrol-methods/:instanceId/edit", async (request, reply) => {
    const { id, instanceId } = parseInput(instanceParams, request.params);
    await frame(request, reply, id);
    const instance = await instanceOf(id, instanceId);
    const method = methodOf(instance.method);
    return renderForm(request, reply, id, {
      method,
      instance,
      common: commonValuesOf(instance, viewerTimeZone(ctx, request)),
      values: instance.settings,
      errors: [],
    });
  });

  app.post("/course/:id/enrol-methods/:instanceId/edit", async (request, reply) => {
    const { id, instanceId } = parseInput(instanceParams, request.params);
    await frame(request, reply, id);
    const instance = await instanceOf(id, instanceId);
    const method = methodOf(instance.method);
    const body = bodyOf(request);
    const parsed = await parseSubmission(request, body, method, id, instance);
    const again = (errors: FieldError[]) =>
      renderForm(request, reply, id, {
        method,
        instance,
        common: commonValuesFromBody(body),
        values: body,
        errors,
      });
    if (!parsed.ok) return again(parsed.errors);
    await assertRolesAllowed(
      request,
      id,
      method,
      { role: parsed.common.role, settings: parsed.settings },
      instance,
    );
    try {
      const updated = await updateMethodInstance(ctx, instance.id, {
        ...parsed.common,
        settings: parsed.settings,
      });
      return redirectWithFlash(reply, listUrl(id), `Saved the enrolment method "${updated.name}".`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return again(err.fields);
    }
  });

  for (const status of ["enabled", "disabled"] as const) {
    const verb = status === "enabled" ? "enable" : "disable";
    app.post(`/course/:id/enrol-methods/:instanceId/${verb}`, async (request, reply) => {
      const { id, instanceId } = parseInput(instanceParams, request.params);
      await frame(request, reply, id);
      const instance = await instanceOf(id, instanceId);
      await updateMethodInstance(ctx, instance.id, { status });
      return redirectWithFlash(
        reply,
        listUrl(id),
        `${status === "enabled" ? "Enabled" : "Disabled"} "${instance.name}".`,
      );
    });
  }

  app.get("/course/:id/enrol-methods/:instanceId/delete", async (request, reply) => {
    const { id, instanceId } = parseInput(instanceParams, request.params);
    const f = await frame(request, reply, id);
    const instance = await instanceOf(id, instanceId);
    const enrolled = (await countEnrolmentsByInstance(ctx.db, id)).get(instance.id) ?? 0;
    return reply
      .type("text/html; charset=utf-8")
      .send(renderPage(h(DeleteInstancePage, { ...f, instance, enrolled })));
  });

  app.post("/course/:id/enrol-methods/:instanceId/delete", async (request, reply) => {
    const { id, instanceId } = parseInput(instanceParams, request.params);
    await frame(request, reply, id);
    const instance = await instanceOf(id, instanceId);
    await deleteMethodInstance(ctx, instance.id);
    return redirectWithFlash(reply, listUrl(id), `Deleted the enrolment method "${instance.name}".`);
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerEnrolMethodsLinks(): void {
  addCourseAdminLink({ label: PAGE_TITLE, href: listUrl, capability: "enrol:manage", order: 10 });
}
