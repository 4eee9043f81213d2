// The participants page (course:viewparticipants) and, with enrol:enrol, enrolling existing users
// through the manual method, unenrolling and changing roles.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { courseCaps, requireActor, requireCapability, rolesInCourse } from "../../http/access.js";
import { pageContext, redirectWithFlash, viewerTimeZone } from "../../http/app.js";
import { ForbiddenError, NotFoundError, type ValidationError } from "../../shared/errors.js";
import { parseInput, rowId } from "../../shared/validation.js";
import { renderPage } from "../../views/html.js";
import { addCourseAdminLink } from "../../views/nav.js";
import { getCourse } from "../courses/courses.service.js";
import { type Capability, ROLES, type Role } from "../roles/capabilities.js";
import { findUserById, getUser, listUsers } from "../users/users.service.js";
import {
  assignableRoles,
  enrolmentState,
  enrolUser,
  listCourseEnrolments,
  listParticipants,
  listUserRoles,
  manualInstance,
  roleChoices,
  setUserRoles,
  unenrolUser,
} from "./enrolments.service.js";
import {
  EnrolUsersPage,
  PARTICIPANTS_TITLE,
  ParticipantsPage,
  participantsUrl,
  RolesPage,
  UnenrolPage,
} from "./participants.views.js";

const SEARCH_LIMIT = 30;
const courseParams = z.object({ id: rowId });
const userParams = z.object({ id: rowId, userId: rowId });
const searchQuery = z.object({
  q: z.string().trim().max(100, "Search must be at most 100 characters").default(""),
});
const oneOrMany = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === "" ? [] : [v]);
const enrolForm = z.object({
  q: z.string().max(100).default(""),
  userId: z.preprocess(
    oneOrMany,
    z.array(rowId).min(1, "Select at least one user").max(100, "Select at most 100 users at once"),
  ),
  role: z.enum(ROLES, { error: "Choose a role from the list" }),
});
const rolesForm = z.object({
  roles: z.preprocess(oneOrMany, z.array(z.enum(ROLES, { error: "Unknown role" })).max(ROLES.length)),
});
const instanceField = z.object({ instanceId: rowId });

const html = "text/html; charset=utf-8";

export function registerParticipantRoutes(app: FastifyInstance, ctx: AppContext) {
  async function frame(request: FastifyRequest, reply: FastifyReply, courseId: number, cap: Capability) {
    requireActor(request);
    const course = await getCourse(ctx.db, courseId);
    await requireCapability(ctx.db, request, courseId, cap, ctx.clock.now());
    return { pc: pageContext(ctx, request, reply), course, caps: await courseCaps(ctx, request, courseId) };
  }

  async function assignable(request: FastifyRequest, courseId: number): Promise<Role[]> {
    const actor = requireActor(request);
    return assignableRoles(await rolesInCourse(ctx.db, request, courseId, ctx.clock.now()), actor.siteAdmin);
  }

  async function participantOf(courseId: number, userId: number) {
    const user = await findUserById(ctx.db, userId);
    const enrolments = user ? await listCourseEnrolments(ctx.db, courseId, userId) : [];
    if (!user || enrolments.length === 0) throw new NotFoundError("Participant");
    return { user, enrolments };
  }

  app.get("/course/:id/participants", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    const f = await frame(request, reply, id, "course:viewparticipants");
    const now = ctx.clock.now();
    const enrolments = await listCourseEnrolments(ctx.db, id);
    const rows = (await listParticipants(ctx.db, id)).map((participant) => ({
      participant,
      enrolments: enrolments
        .filter((e) => e.userId === participant.userId)
        .map((e) => ({ ...e, state: enrolmentState(e, now) })),
    }));
    return reply
      .type(html)
      .send(renderPage(h(ParticipantsPage, { ...f, rows, canEnrol: f.caps.has("enrol:enrol") })));
  });

  async function renderEnrolPage(
    request: FastifyRequest,
    reply: FastifyReply,
    courseId: number,
    q: string,
    errors: ValidationError["fields"],
  ) {
    const f = await frame(request, reply, courseId, "enrol:enrol");
    const manual = await manualInstance(ctx.db, courseId);
    const enrolled = new Set(
      (await listCourseEnrolments(ctx.db, courseId))
        .filter((e) => e.instanceId === manual.id)
        .map((e) => e.userId),
    );
    const found = q ? await listUsers(ctx.db, { search: q, limit: SEARCH_LIMIT + 1, offset: 0 }) : [];
    const candidates = found.slice(0, SEARCH_LIMIT).map((u) => ({ ...u, enrolled: enrolled.has(u.id) }));
    const roles = roleChoices(await assignable(request, courseId));
    const page = h(EnrolUsersPage, {
      ...f,
      q,
      candidates,
      roles,
      // The method's default role when the actor may give it; otherwise "student" rather than what a
      // browser preselects when no option is selected: the first, the most privileged one offered.
      defaultRole: (roles as readonly string[]).includes(manual.role) ? manual.role : "student",
      errors,
      truncated: found.length > SEARCH_LIMIT,
    });
    return reply
      .status(errors.length > 0 ? 400 : 200)
      .type(html)
      .send(renderPage(page));
  }

  app.get("/course/:id/participants/enrol", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    await frame(request, reply, id, "enrol:enrol");
    const { q } = parseInput(searchQuery, request.query);
    return renderEnrolPage(request, reply, id, q, []);
  });

  app.post("/course/:id/participants/enrol", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    await frame(request, reply, id, "enrol:enrol");
    const parsed = enrolForm.safeParse(request.body ?? {});
    if (!parsed.success) {
      const q =
        typeof (request.body as { q?: unknown })?.q === "string"
          ? String((request.body as { q: string }).q).slice(0, 100)
          : "";
      const fields = parsed.error.issues.map((i) => ({
        field: String(i.path[0] ?? "_"),
        message: i.message,
      }));
      return renderEnrolPage(request, reply, id, q, fields);
    }
    const v = parsed.data;
    if (!(await assignable(request, id)).includes(v.role))
      throw new ForbiddenError("You may not give that role");
    for (const userId of v.userId) await getUser(ctx.db, userId);
    const manual = await manualInstance(ctx.db, id);
    await ctx.db.transaction().execute(async (trx) => {
      for (const userId of v.userId)
        await enrolUser(
          trx,
          { clock: ctx.clock, engine: ctx.engine, timeZone: viewerTimeZone(ctx, request) },
          { instanceId: manual.id, userId, role: v.role },
        );
    });
    const n = v.userId.length;
    return redirectWithFlash(reply, participantsUrl(id), `Enrolled ${n} ${n === 1 ? "user" : "users"}.`);
  });

  app.get("/course/:id/participants/:userId/unenrol", async (request, reply) => {
    const { id, userId } = parseInput(userParams, request.params);
    const f = await frame(request, reply, id, "enrol:enrol");
    const { instanceId } = parseInput(instanceField, request.query);
    const { user, enrolments } = await participantOf(id, userId);
    const enrolment = enrolments.find((e) => e.instanceId === instanceId);
    if (!enrolment) throw new NotFoundError("Enrolment");
    return reply.type(html).send(renderPage(h(UnenrolPage, { ...f, user, enrolment })));
  });

  app.post("/course/:id/participants/:userId/unenrol", async (request, reply) => {
    const { id, userId } = parseInput(userParams, request.params);
    await frame(request, reply, id, "enrol:enrol");
    const { instanceId } = parseInput(instanceField, request.body);
    const { user, enrolments } = await participantOf(id, userId);
    const enrolment = enrolments.find((e) => e.instanceId === instanceId);
    if (!enrolment) throw new NotFoundError("Enrolment");
    const allowed = await assignable(request, id);
    if ((await listUserRoles(ctx.db, id, userId)).some((r) => !(allowed as string[]).includes(r))) {
      throw new ForbiddenError("Only a manager can unenrol a manager");
    }
    await ctx.db.transaction().execute((trx) => unenrolUser(trx, { instanceId, userId }, ctx.clock));
    return redirectWithFlash(
      reply,
      participantsUrl(id),
      `Unenrolled ${user.username} from "${enrolment.instanceName}".`,
    );
  });

  async function renderRolesPage(
    request: FastifyRequest,
    reply: FastifyReply,
    courseId: number,
    userId: number,
    errors: ValidationError["fields"],
  ) {
    const f = await frame(request, reply, courseId, "enrol:enrol");
    const { user } = await participantOf(courseId, userId);
    const current = await listUserRoles(ctx.db, courseId, userId);
    const page = h(RolesPage, {
      ...f,
      user,
      current,
      assignable: await assignable(request, courseId),
      errors,
    });
    return reply
      .status(errors.length > 0 ? 400 : 200)
      .type(html)
      .send(renderPage(page));
  }

  app.get("/course/:id/participants/:userId/roles", async (request, reply) => {
    const { id, userId } = parseInput(userParams, request.params);
    return renderRolesPage(request, reply, id, userId, []);
  });

  app.post("/course/:id/participants/:userId/roles", async (request, reply) => {
    const { id, userId } = parseInput(userParams, request.params);
    await frame(request, reply, id, "enrol:enrol");
    await participantOf(id, userId);
    const { roles } = parseInput(rolesForm, request.body);
    const allowed = await assignable(request, id);
    if (roles.some((r) => !allowed.includes(r))) throw new ForbiddenError("You may not give that role");
    // Roles the actor may not handle stay as they are.
    const kept = (await listUserRoles(ctx.db, id, userId)).filter(
      (r): r is Role => (ROLES as readonly string[]).includes(r) && !allowed.includes(r as Role),
    );
    const next = [...new Set([...roles, ...kept])];
    if (next.length === 0)
      return renderRolesPage(request, reply, id, userId, [
        { field: "roles", message: "Choose at least one role" },
      ]);
    await ctx.db
      .transaction()
      .execute((trx) => setUserRoles(trx, ctx.clock, { courseId: id, userId, roles: next }));
    return redirectWithFlash(reply, participantsUrl(id), "Roles saved.");
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerParticipantsLinks(): void {
  addCourseAdminLink({
    label: PARTICIPANTS_TITLE,
    href: participantsUrl,
    capability: "course:viewparticipants",
    order: 20,
  });
}
