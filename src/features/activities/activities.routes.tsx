// Activity pages: the content picker, the shared add/edit form, the generic view at /mod/:id,
// and the editing-mode actions (hide/show, move, delete). Each type adds its own routes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { h } from "preact";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { NotFoundError, ValidationError } from "../../shared/errors.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { sendPage } from "../../views/send-page.js";
import { recordView } from "../completion/completion.service.js";
import { isLearner, type OpenCourse, openCourseWith } from "../courses/course-access.js";
import { findSectionByPosition } from "../courses/courses.service.js";
import { registerActivityApi } from "./activities.api.js";
import {
  activityPath,
  createActivity,
  deleteActivity,
  moveActivity,
  moveActivityToSection,
  setActivityVisible,
  updateActivity,
} from "./activities.service.js";
import {
  ActivityFormPage,
  type ActivityFormProps,
  ActivityPage,
  ContentPickerPage,
  DeleteActivityPage,
} from "./activities.views.js";
import { openActivityWith } from "./activity-access.js";
import { type ActivityType, findActivityType, listActivityTypes } from "./activity-types.js";

const courseParams = z.object({ id: idParam });
const addParams = z.object({ id: idParam, type: z.string().max(40) });
const sectionQuery = z.object({ section: z.coerce.number().int().min(0).max(10_000).default(0) });

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The common fields and the type's settings from a submitted form, for the service to validate. */
function formInput(type: ActivityType, body: Record<string, unknown>) {
  const pass = str(body.completionPassGrade)?.trim();
  let settings: unknown;
  try {
    settings = type.settingsFromForm(body);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // Reported like the service's settings errors, so the type's fields show them.
    throw new ValidationError(
      err.message,
      err.fields.map((f) => ({ ...f, field: `settings.${f.field}` })),
    );
  }
  return {
    name: str(body.name),
    settings,
    visible: str(body.visible) === "1",
    completionRule: str(body.completionRule) ?? "none",
    completionPassGrade: pass ? Number(pass) : null,
  };
}

function formBody(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  return b && typeof b === "object" ? (b as Record<string, unknown>) : {};
}

async function openSection(ctx: AppContext, courseId: number, position: number) {
  const section = await findSectionByPosition(ctx.db, courseId, position);
  if (!section) throw new NotFoundError("Section");
  return section;
}

function presetFromQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!query || typeof query !== "object") return out;
  for (const [k, v] of Object.entries(query)) {
    if (k !== "section" && typeof v === "string" && v.length <= 2000) out[k] = v;
  }
  return out;
}

function findType(name: string): ActivityType {
  const type = findActivityType(name);
  if (!type) throw new NotFoundError(`Activity type ${name}`);
  return type;
}

export async function registerActivityRoutes(app: FastifyInstance, ctx: AppContext) {
  const form = async (
    request: FastifyRequest,
    reply: FastifyReply,
    opened: OpenCourse,
    p: Omit<ActivityFormProps, "pc" | "course" | "caps" | "ctx" | "data">,
    status = 200,
  ) => {
    const data = await p.type.formData?.(ctx, opened.course.id);
    return sendPage(
      reply,
      h(ActivityFormPage, { pc: pageContext(ctx, request, reply), ...opened, ctx, data, ...p }),
      status,
    );
  };

  /** Saves from the form, or shows it again with the problems; settingsFromForm may throw too. */
  async function saveForm(
    request: FastifyRequest,
    reply: FastifyReply,
    opened: OpenCourse,
    p: Omit<ActivityFormProps, "pc" | "course" | "caps" | "ctx" | "values" | "settings" | "errors">,
    save: (input: ReturnType<typeof formInput>) => Promise<{ id: number }>,
  ) {
    const body = formBody(request);
    try {
      const activity = await save(formInput(p.type, body));
      const display = str(body.save) === "display";
      return redirectWithFlash(
        reply,
        display ? activityPath(activity.id) : `/course/${opened.course.id}`,
        "Changes saved.",
      );
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const values = {
        name: str(body.name),
        visible: str(body.visible) === "1",
        completionRule: str(body.completionRule),
        completionPassGrade: str(body.completionPassGrade),
      };
      return form(request, reply, opened, { ...p, values, settings: body, errors: err.fields }, 400);
    }
  }

  app.get("/course/:id/add", async (request, reply) => {
    const { id } = parseInput(courseParams, request.params);
    const { section: position } = parseInput(sectionQuery, request.query);
    const opened = await openCourseWith(ctx, request, id, "course:managematerial");
    const section = await openSection(ctx, id, position);
    const pc = pageContext(ctx, request, reply);
    const types = listActivityTypes();
    const entries = (
      await Promise.all(
        types.map(
          async (t) => (await t.pickerEntries?.(ctx, id))?.map((e) => ({ ...e, type: t.type })) ?? [],
        ),
      )
    ).flat();
    return sendPage(reply, h(ContentPickerPage, { pc, ...opened, section, types, entries }));
  });

  app.get("/course/:id/add/:type", async (request, reply) => {
    const { id, type: typeName } = parseInput(addParams, request.params);
    const { section: position } = parseInput(sectionQuery, request.query);
    const opened = await openCourseWith(ctx, request, id, "course:managematerial");
    const type = findType(typeName);
    const section = await openSection(ctx, id, position);
    const action = `/course/${id}/add/${encodeURIComponent(type.type)}`;
    // A picker entry's params preset the type's fields (only for types that offer such entries).
    const preset = type.pickerEntries ? presetFromQuery(request.query) : {};
    return form(request, reply, opened, {
      type,
      mode: "add",
      action,
      section,
      values: {},
      settings: preset,
      errors: [],
    });
  });

  app.post("/course/:id/add/:type", async (request, reply) => {
    const { id, type: typeName } = parseInput(addParams, request.params);
    const opened = await openCourseWith(ctx, request, id, "course:managematerial");
    const type = findType(typeName);
    const { section: position } = parseInput(sectionQuery, request.body);
    const section = await openSection(ctx, id, position);
    const action = `/course/${id}/add/${encodeURIComponent(type.type)}`;
    return saveForm(request, reply, opened, { type, mode: "add", action, section }, (input) =>
      createActivity(ctx.db, ctx, id, { ...input, type: type.type, section: position }),
    );
  });

  app.get("/mod/:id", async (request, reply) => {
    const o = await openActivityWith(ctx, request, null);
    const actor = request.actor;
    if (actor && isLearner(o.caps)) await recordView(ctx.db, ctx, o.activity, actor.id);
    const pc = pageContext(ctx, request, reply);
    const canManage = o.caps.has("course:managematerial");
    const body = await o.type.view({
      ctx,
      request,
      reply,
      pc,
      course: o.course,
      activity: o.activity,
      canManage,
      caps: o.caps,
    });
    if (reply.sent) return reply;
    return sendPage(
      reply,
      h(ActivityPage, {
        pc,
        course: o.course,
        caps: o.caps,
        activity: o.activity,
        type: o.type,
        children: body,
      }),
    );
  });

  app.get("/mod/:id/edit", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    const a = o.activity;
    const values = {
      name: a.name,
      visible: a.visible,
      completionRule: a.completionRule,
      completionPassGrade: a.completionPassGrade,
    };
    return form(request, reply, o, {
      type: o.type,
      mode: "edit",
      action: `/mod/${a.id}/edit`,
      values,
      settings: a.settings,
      errors: [],
    });
  });

  app.post("/mod/:id/edit", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    return saveForm(
      request,
      reply,
      o,
      { type: o.type, mode: "edit", action: `/mod/${o.activity.id}/edit` },
      (input) => updateActivity(ctx.db, ctx, o.activity.id, input),
    );
  });

  app.post("/mod/:id/visibility", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    const { visible } = parseInput(z.object({ visible: z.enum(["0", "1"]) }), request.body);
    await setActivityVisible(ctx.db, ctx, o.activity.id, visible === "1");
    const message =
      visible === "1"
        ? `“${o.activity.name}” is visible to students.`
        : `“${o.activity.name}” is hidden from students.`;
    return redirectWithFlash(reply, `/course/${o.course.id}`, message);
  });

  app.post("/mod/:id/move", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    const v = parseInput(
      z
        .object({
          direction: z.enum(["up", "down"]).optional(),
          section: z.coerce.number().int().min(0).max(10_000).optional(),
        })
        .refine((x) => x.direction !== undefined || x.section !== undefined, {
          message: "Say where to move the activity",
          path: ["direction"],
        }),
      request.body,
    );
    if (v.direction) await moveActivity(ctx.db, ctx, o.activity.id, v.direction);
    else if (v.section !== undefined) await moveActivityToSection(ctx.db, ctx, o.activity.id, v.section);
    return redirectWithFlash(reply, `/course/${o.course.id}`, `“${o.activity.name}” moved.`);
  });

  app.get("/mod/:id/delete", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    const pc = pageContext(ctx, request, reply);
    return sendPage(
      reply,
      h(DeleteActivityPage, { pc, course: o.course, caps: o.caps, activity: o.activity, type: o.type }),
    );
  });

  app.post("/mod/:id/delete", async (request, reply) => {
    const o = await openActivityWith(ctx, request, "course:managematerial");
    await deleteActivity(ctx.db, ctx, o.activity.id);
    return redirectWithFlash(reply, `/course/${o.course.id}`, `“${o.activity.name}” deleted.`);
  });

  registerActivityApi(app, ctx);
  // Types registered before the app is built (their modules are imported by src/features) add their routes here.
  for (const type of listActivityTypes()) await type.routes?.(app, ctx);
}
