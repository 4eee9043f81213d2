// JSON API of course participants: GET /courses/{id}/participants, POST /courses/{id}/enrolments
// (through the course's manual method), DELETE /courses/{id}/enrolments/{userId}.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireCapability, rolesInCourse } from "../../http/access.js";
import { addApiOperation } from "../../http/openapi.js";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "../../shared/errors.js";
import { jsonRowId, parseInput, rowId } from "../../shared/validation.js";
import { getCourse } from "../courses/courses.service.js";
import { type Capability, ROLES } from "../roles/capabilities.js";
import { getUser } from "../users/users.service.js";
import {
  assignableRoles,
  enrolUser,
  listParticipants,
  listUserRoles,
  manualInstance,
  unenrolFromCourse,
} from "./enrolments.service.js";

export const enrolBody = z.object({
  userId: jsonRowId,
  role: z.enum(ROLES).optional().describe("default: the manual method's default role"),
});

const courseParams = z.object({ id: rowId });
const userParams = z.object({ id: rowId, userId: rowId });

addApiOperation({
  method: "get",
  path: "/courses/{id}/participants",
  summary: "Users enrolled in the course, with their roles",
  tag: "Enrolment",
  responses: { 200: "[{userId, username, firstname, lastname, email, roles, enrolMethodId}]" },
});
addApiOperation({
  method: "post",
  path: "/courses/{id}/enrolments",
  summary: "Enrol a user through the course's manual enrolment method (idempotent)",
  tag: "Enrolment",
  body: enrolBody,
  responses: { 201: "enrolled", 200: "was already enrolled (the role is added)" },
});
addApiOperation({
  method: "delete",
  path: "/courses/{id}/enrolments/{userId}",
  summary: "Unenrol a user from the course (every enrolment method)",
  tag: "Enrolment",
  responses: { 204: "unenrolled" },
});

export function registerParticipantApi(app: FastifyInstance, ctx: AppContext) {
  /** 401 without a token, then 404 for an unknown course, then 403. */
  async function authorize(request: FastifyRequest, courseId: number, cap: Capability) {
    if (!request.viaToken || !request.actor)
      throw new UnauthenticatedError("An API token is required (Authorization: Bearer)");
    await getCourse(ctx.db, courseId);
    return requireCapability(ctx.db, request, courseId, cap, ctx.clock.now());
  }

  app.get("/api/v1/courses/:id/participants", async (request) => {
    const { id } = parseInput(courseParams, request.params);
    await authorize(request, id, "course:viewparticipants");
    return (await listParticipants(ctx.db, id)).map((p) => ({
      userId: p.userId,
      username: p.username,
      firstname: p.firstname,
      lastname: p.lastname,
      email: p.email,
      roles: p.roles,
      enrolMethodId: p.enrolMethodId,
      status: p.status,
      timeStart: p.timeStart,
      timeEnd: p.timeEnd,
    }));
  });

  app.post("/api/v1/courses/:id/enrolments", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    const actor = await authorize(request, id, "enrol:enrol");
    const v = parseInput(enrolBody, request.body);
    const manual = await manualInstance(ctx.db, id);
    const role = v.role ?? manual.role;
    const allowed = assignableRoles(
      await rolesInCourse(ctx.db, request, id, ctx.clock.now()),
      actor.siteAdmin,
    );
    if (!(allowed as string[]).includes(role)) throw new ForbiddenError("You may not give that role");
    await getUser(ctx.db, v.userId);
    const { created, enrolment } = await ctx.db
      .transaction()
      .execute((trx) =>
        enrolUser(
          trx,
          { clock: ctx.clock, engine: ctx.engine },
          { instanceId: manual.id, userId: v.userId, role },
        ),
      );
    return reply.status(created ? 201 : 200).send({
      courseId: id,
      userId: v.userId,
      enrolMethodId: manual.id,
      roles: await listUserRoles(ctx.db, id, v.userId),
      status: enrolment.status,
      timeStart: enrolment.timeStart,
      timeEnd: enrolment.timeEnd,
    });
  });

  app.delete("/api/v1/courses/:id/enrolments/:userId", async (request, reply) => {
    const { id, userId } = parseInput(userParams, request.params);
    const actor = await authorize(request, id, "enrol:enrol");
    const allowed = assignableRoles(
      await rolesInCourse(ctx.db, request, id, ctx.clock.now()),
      actor.siteAdmin,
    );
    if ((await listUserRoles(ctx.db, id, userId)).some((r) => !(allowed as string[]).includes(r))) {
      throw new ForbiddenError("Only a manager can unenrol a manager");
    }
    const removed = await ctx.db
      .transaction()
      .execute((trx) => unenrolFromCourse(trx, id, userId, ctx.clock));
    if (removed === 0) throw new NotFoundError("Participant");
    return reply.status(204).send();
  });
}
