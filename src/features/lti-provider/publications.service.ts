// Publications: the lti_publications row that mirrors each "Publish as LTI tool" instance, and the
// details a consumer needs (cartridge URL, launch URL, secret).
import { randomUUID } from "node:crypto";
import type { AppContext } from "../../http/context.js";
import { buildCartridge } from "../../lti/v1p1/cartridge.js";
import { iso } from "../../shared/clock.js";
import { NotFoundError } from "../../shared/errors.js";
import { findActivity } from "../activities/activities.service.js";
import { findCourse } from "../courses/courses.service.js";
import type { EnrolInstance } from "../enrolments/enrolments.service.js";
import * as repo from "./provider.repository.js";
import { settingsOf } from "./provider.settings.js";

export type { Publication } from "./provider.repository.js";

/** Creates or updates the publication row of an instance from its settings (inside the caller's transaction). */
export async function syncPublication(trx: repo.Q, ctx: AppContext, instance: EnrolInstance): Promise<void> {
  const s = settingsOf(instance.settings);
  const values: repo.PublicationValues = {
    activityId: s.publish === "activity" ? s.activityId : null,
    secret: s.secret,
    gradeSync: s.gradeSync,
    gradeSyncCompletion: s.gradeSyncCompletion,
    memberSync: s.memberSync,
    memberSyncMode: s.memberSyncMode,
    roleInstructor: s.roleInstructor,
    roleLearner: s.roleLearner,
    defaults: s.defaults,
  };
  const now = iso(ctx.clock.now());
  const existing = await repo.findPublicationByInstance(trx, instance.id);
  if (existing) await repo.updatePublication(trx, existing.id, { ...values, now });
  else
    await repo.insertPublication(trx, {
      ...values,
      instanceId: instance.id,
      uuid: randomUUID(),
      courseId: instance.courseId,
      now,
    });
}

export function launchUrl(ctx: AppContext, p: Pick<repo.Publication, "uuid">): string {
  return `${ctx.config.publicUrl}/enrol/lti/launch/${p.uuid}`;
}

export function cartridgeUrl(ctx: AppContext, p: Pick<repo.Publication, "uuid">): string {
  return `${ctx.config.publicUrl}/enrol/lti/cartridge/${p.uuid}/cartridge.xml`;
}

export interface PublishedDetails {
  id: number;
  instanceId: number;
  name: string;
  version: string;
  status: "enabled" | "disabled";
  publish: "course" | "activity";
  activityId: number | null;
  toolName: string;
  cartridgeUrl: string;
  launchUrl: string;
  /** Only for those allowed to manage enrolment methods. */
  secret?: string;
}

export async function publishedDetails(
  ctx: AppContext,
  instance: EnrolInstance,
  showSecret: boolean,
): Promise<PublishedDetails> {
  const p = await repo.findPublicationByInstance(ctx.db, instance.id);
  if (!p) throw new NotFoundError("Publication");
  const activity = p.activityId ? await findActivity(ctx.db, p.activityId) : undefined;
  const course = await findCourse(ctx.db, p.courseId);
  return {
    id: instance.id,
    instanceId: instance.id,
    name: instance.name,
    version: "LTI 1.1",
    status: instance.status,
    publish: p.activityId ? "activity" : "course",
    activityId: p.activityId,
    toolName: activity?.name ?? course?.fullname ?? "",
    cartridgeUrl: cartridgeUrl(ctx, p),
    launchUrl: launchUrl(ctx, p),
    ...(showSecret ? { secret: p.secret } : {}),
  };
}

/** The Common Cartridge basic LTI link a consumer imports (no secret in it). */
export async function cartridgeXml(ctx: AppContext, uuid: string): Promise<string> {
  const p = await repo.findPublicationByUuid(ctx.db, uuid);
  if (!p) throw new NotFoundError("Published tool");
  const instance = await ctx.db
    .selectFrom("enrol_instances")
    .select(["name", "status"])
    .where("id", "=", p.instanceId)
    .executeTakeFirst();
  if (instance?.status !== "enabled") throw new NotFoundError("Published tool");
  const course = await findCourse(ctx.db, p.courseId);
  const activity = p.activityId ? await findActivity(ctx.db, p.activityId) : undefined;
  const url = launchUrl(ctx, p);
  const https = url.startsWith("https:");
  const icon = `${ctx.config.publicUrl}/static/icon.svg`;
  return buildCartridge({
    title: instance.name || activity?.name || course?.fullname || "Pluto LMS",
    description: plainText(course?.summary ?? ""),
    launchUrl: url,
    ...(https ? { secureLaunchUrl: url, secureIcon: icon } : {}),
    icon,
    vendor: { code: "pluto", name: "Pluto LMS", description: "Pluto LMS", url: ctx.config.publicUrl },
    extensions: [{ platform: "pluto", properties: { icon_url: icon }, options: {} }],
  });
}

function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 1000);
}

export const findPublicationByUuid = repo.findPublicationByUuid;
export const findPublicationByInstance = repo.findPublicationByInstance;
export const listPublications = repo.listPublications;
