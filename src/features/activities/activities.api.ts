// JSON API: add an activity of any registered type to a course.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { addApiOperation } from "../../http/openapi.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { openCourseWith } from "../courses/course-access.js";
import { activityPath, createActivity, newActivitySchema, sectionOf } from "./activities.service.js";
import type { Activity } from "./activity-types.js";

export function presentActivity(publicUrl: string, a: Activity, sectionPosition: number) {
  return {
    id: a.id,
    url: `${publicUrl}${activityPath(a.id)}`,
    courseId: a.courseId,
    section: sectionPosition,
    type: a.type,
    name: a.name,
    visible: a.visible,
    settings: a.settings,
    completionRule: a.completionRule,
    completionPassGrade: a.completionPassGrade,
  };
}

addApiOperation({
  method: "post",
  path: "/courses/{id}/activities",
  summary:
    "Add an activity (needs course:managematerial). `section` is the section's position number (0 = the general section). " +
    "settings by type: page {content}; assign {maxGrade, instructions?}; quiz {maxGrade, questions: [{text, choices: [string], correct: index}]}; " +
    'lti (External tool) {toolUrl (a launch or cartridge URL), toolTypeId?, consumerKey?, sharedSecret?, customParameters? ("a=b\\nc=d"), launchContainer? ("embed" | "embed_no_blocks" | "window"), shareName?, shareEmail?, acceptGrades?, maxGrade?}; an unusable cartridge is a 400 naming the reason. ' +
    "An lti activity that uses a site-wide tool (toolTypeId, or a toolUrl matching one with no consumerKey/sharedSecret of its own) launches with that tool's key and secret only on its launch URL's origin (scheme, host, port; any path): a toolUrl elsewhere, a consumerKey or sharedSecret with a toolTypeId, or shareName/shareEmail/acceptGrades true where the tool has false is a 400 naming settings.<field>; left out, they take the tool's values.",
  tag: "Activities",
  body: newActivitySchema.extend({ settings: z.record(z.string(), z.unknown()) }),
  responses: {
    201: "The new activity: {id, url, courseId, section, type, name, visible, settings, completionRule}",
  },
});

export function registerActivityApi(app: FastifyInstance, ctx: AppContext) {
  app.post("/api/v1/courses/:id/activities", async (request, reply) => {
    const { id } = parseInput(z.object({ id: idParam }), request.params);
    await openCourseWith(ctx, request, id, "course:managematerial");
    const activity = await createActivity(ctx.db, ctx, id, request.body);
    const section = await sectionOf(ctx.db, activity);
    return reply.status(201).send(presentActivity(ctx.config.publicUrl, activity, section.position));
  });
}
