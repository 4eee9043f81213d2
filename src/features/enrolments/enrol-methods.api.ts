// JSON API of enrolment method instances: GET/POST /courses/{id}/enrol-methods,
// PATCH/DELETE /enrol-methods/{id}. Capability enrol:manage in the instance's course.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireCapability, rolesInCourse } from "../../http/access.js";
import { addApiOperation } from "../../http/openapi.js";
import { UnauthenticatedError, ValidationError } from "../../shared/errors.js";
import { parseInput, rowId } from "../../shared/validation.js";
import { getCourse } from "../courses/courses.service.js";
import { ROLES } from "../roles/capabilities.js";
import { MAX_ENROLLED_LIMIT, MAX_PERIOD_SECONDS } from "./enrol-form.js";
import { type EnrolMethod, enrolMethodLabel, findEnrolMethod } from "./enrol-methods.js";
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
  updateMethodInstance,
} from "./enrolments.service.js";

const isoTime = z.iso.datetime({
  offset: true,
  error: "must be a date and time in ISO 8601 with a time zone, e.g. 2026-09-01T08:00:00Z",
});

/** The common fields as the API names them; method-specific fields pass through to method.parseApi. */
const commonFields = {
  name: z.string().trim().max(254).optional(),
  status: z.enum(["enabled", "disabled"]).optional(),
  enrolPeriod: z
    .number()
    .int()
    .min(0)
    .max(MAX_PERIOD_SECONDS)
    .nullable()
    .optional()
    .describe("seconds; 0 or null: unlimited"),
  enrolStart: isoTime.nullable().optional(),
  enrolEnd: isoTime.nullable().optional(),
  maxEnrolled: z.number().int().min(0).max(MAX_ENROLLED_LIMIT).optional().describe("0: unlimited"),
  role: z.enum(ROLES).optional().describe("default role of users enrolled through the instance"),
};
export const createInstanceBody = z.looseObject({
  method: z.string().min(1).max(40).describe("a registered method, e.g. manual"),
  ...commonFields,
});
export const patchInstanceBody = z.looseObject({
  method: z.string().max(40).optional().describe("cannot change"),
  ...commonFields,
});

const courseParams = z.object({ id: rowId });

function apiActor(request: FastifyRequest) {
  if (!request.viaToken || !request.actor)
    throw new UnauthenticatedError("An API token is required (Authorization: Bearer)");
  return request.actor;
}

addApiOperation({
  method: "get",
  path: "/courses/{id}/enrol-methods",
  summary: "List the course's enrolment method instances",
  tag: "Enrolment",
  responses: { 200: "[instance]" },
});
addApiOperation({
  method: "post",
  path: "/courses/{id}/enrol-methods",
  summary:
    'Add an enrolment method instance (method-specific fields are accepted alongside; "lti", Publish as LTI tool: ltiVersion "1.3" (LTI Advantage) or "1.1" (Legacy LTI); without it, "1.3" when the site has an Active LTI Advantage platform and "1.1" otherwise; publish, activityId, secret, gradeSync, gradeSyncCompletion, memberSync, memberSyncMode, roleInstructor, roleLearner, defaults)',
  tag: "Enrolment",
  body: createInstanceBody,
  responses: { 201: "the instance" },
});
addApiOperation({
  method: "patch",
  path: "/enrol-methods/{id}",
  summary: "Change an enrolment method instance",
  tag: "Enrolment",
  body: patchInstanceBody,
  responses: { 200: "the instance" },
});
addApiOperation({
  method: "delete",
  path: "/enrol-methods/{id}",
  summary: "Delete an enrolment method instance, unenrolling the users enrolled through it",
  tag: "Enrolment",
  responses: { 204: "deleted" },
});

export function registerEnrolMethodApi(app: FastifyInstance, ctx: AppContext) {
  async function present(instance: EnrolInstance, enrolled: number) {
    const extras = (await findEnrolMethod(instance.method)?.present?.(ctx, instance)) ?? {};
    return {
      ...extras,
      id: instance.id,
      courseId: instance.courseId,
      method: instance.method,
      methodLabel: enrolMethodLabel(instance.method),
      name: instance.name,
      status: instance.status,
      enrolPeriod: instance.enrolPeriod,
      enrolStart: instance.enrolStart,
      enrolEnd: instance.enrolEnd,
      maxEnrolled: instance.maxEnrolled,
      role: instance.role,
      enrolledUsers: enrolled,
      createdAt: instance.createdAt,
      updatedAt: instance.updatedAt,
      url: `${ctx.config.publicUrl}/course/${instance.courseId}/enrol-methods/${instance.id}/edit`,
    };
  }

  async function countOf(instance: EnrolInstance) {
    return (await countEnrolmentsByInstance(ctx.db, instance.courseId)).get(instance.id) ?? 0;
  }

  /** 401, then 404 for an unknown course, then 403. */
  async function authorizeCourse(request: FastifyRequest, courseId: number) {
    apiActor(request);
    await getCourse(ctx.db, courseId);
    await requireCapability(ctx.db, request, courseId, "enrol:manage", ctx.clock.now());
  }

  async function authorizeInstance(request: FastifyRequest): Promise<EnrolInstance> {
    apiActor(request);
    const { id } = parseInput(courseParams, request.params);
    const instance = await getInstance(ctx.db, id);
    await requireCapability(ctx.db, request, instance.courseId, "enrol:manage", ctx.clock.now());
    return instance;
  }

  /** Each role the instance gives must be one the actor may give, or left as it was. */
  async function assertRolesAllowed(
    request: FastifyRequest,
    courseId: number,
    method: EnrolMethod | undefined,
    next: { role: string; settings: Record<string, unknown> },
    existing?: EnrolInstance,
  ) {
    const actor = apiActor(request);
    assertMayGiveRoles(
      assignableRoles(await rolesInCourse(ctx.db, request, courseId, ctx.clock.now()), actor.siteAdmin),
      instanceRoles(method, next),
      existing && instanceRoles(method, existing),
    );
  }

  app.get("/api/v1/courses/:id/enrol-methods", async (request) => {
    const { id } = parseInput(courseParams, request.params);
    await authorizeCourse(request, id);
    const counts = await countEnrolmentsByInstance(ctx.db, id);
    const instances = await listInstances(ctx.db, id);
    return Promise.all(instances.map((i) => present(i, counts.get(i.id) ?? 0)));
  });

  app.post("/api/v1/courses/:id/enrol-methods", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    await authorizeCourse(request, id);
    const v = parseInput(createInstanceBody, request.body);
    const method = findEnrolMethod(v.method);
    if (!method)
      throw new ValidationError(`Unknown enrolment method ${v.method}`, [
        { field: "method", message: `Unknown enrolment method ${v.method}` },
      ]);
    const settings = await method.parseApi(v, ctx, id);
    await assertRolesAllowed(request, id, method, { role: v.role ?? "student", settings });
    const instance = await addMethodInstance(ctx, id, { ...pickCommon(v), method: method.key, settings });
    return reply.status(201).send(await present(instance, 0));
  });

  app.patch("/api/v1/enrol-methods/:id", async (request) => {
    const instance = await authorizeInstance(request);
    const v = parseInput(patchInstanceBody, request.body);
    if (v.method !== undefined && v.method !== instance.method) {
      throw new ValidationError("The method of an instance cannot change", [
        { field: "method", message: "The method of an instance cannot change" },
      ]);
    }
    const method = findEnrolMethod(instance.method);
    const settings = method ? await method.parseApi(v, ctx, instance.courseId, instance) : undefined;
    await assertRolesAllowed(
      request,
      instance.courseId,
      method,
      { role: v.role ?? instance.role, settings: settings ?? instance.settings },
      instance,
    );
    const updated = await updateMethodInstance(ctx, instance.id, {
      ...pickCommon(v),
      ...(settings ? { settings } : {}),
    });
    return present(updated, await countOf(updated));
  });

  app.delete("/api/v1/enrol-methods/:id", async (request, reply) => {
    const instance = await authorizeInstance(request);
    await deleteMethodInstance(ctx, instance.id);
    return reply.status(204).send();
  });
}

/** The common fields that were sent; method-specific ones are the method's (parseApi). */
function pickCommon(v: z.output<typeof patchInstanceBody> | z.output<typeof createInstanceBody>) {
  const out: Partial<Pick<typeof v, keyof typeof commonFields>> = {};
  for (const k of Object.keys(commonFields) as Array<keyof typeof commonFields>) {
    if (v[k] !== undefined) Object.assign(out, { [k]: v[k] });
  }
  return out;
}
