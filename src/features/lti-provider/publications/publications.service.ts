// Publications: the lti_publications row that mirrors each "Publish as LTI tool" instance, and the
// details a consumer needs: for Legacy LTI (1.1) the cartridge URL, launch URL and secret; for LTI
// Advantage (1.3) the tool's URLs and the custom parameter id=<uuid> that selects the instance.

import { randomUUID } from "node:crypto";
import type { AppContext } from "../../../app/context.js";
import type { Db } from "../../../db/database.js";
import { buildCartridge } from "../../../lti/v1p1/cartridge.js";
import { iso } from "../../../shared/clock.js";
import { NotFoundError } from "../../../shared/errors.js";
import { findActivity } from "../../activities/activities.service.js";
import { findCourse } from "../../courses/courses.service.js";
import {
  type EnrolInstance,
  findEnrolInstance,
  updateEnrolInstance,
} from "../../enrolments/enrolments.service.js";
import { settingsOf } from "./publication.settings.js";
import * as repo from "./publications.repository.js";
import {
  PUBLIC_KEYSET_PATH,
  TOOL_DEEP_LINKING_PATH,
  TOOL_LAUNCH_PATH,
  TOOL_LOGIN_PATH,
} from "./tool-urls.js";

export type { Publication } from "./publications.repository.js";

/** Creates or updates the publication row of an instance from its settings (inside the caller's transaction). */
export async function syncPublication(trx: Db, ctx: AppContext, instance: EnrolInstance): Promise<void> {
  const s = settingsOf(instance.settings);
  const values: repo.PublicationValues = {
    ltiVersion: s.ltiVersion,
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
  if (instance.role !== s.roleLearner) {
    // The learner role is the instance's default role (shown as such on Enrollment methods and in
    // the form): an API call that set only `roleLearner` moves it too. The caller's object follows,
    // so what it presents is what is stored.
    instance.role = (await updateEnrolInstance(trx, ctx.clock, instance.id, { role: s.roleLearner })).role;
  }
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

/** The URLs of Pluto's LTI 1.3 tool, the same for every LTI Advantage publication of the site. */
export function toolUrls(ctx: AppContext) {
  const base = ctx.config.publicUrl.replace(/\/$/, "");
  const launch = `${base}${TOOL_LAUNCH_PATH}`;
  const deepLinking = `${base}${TOOL_DEEP_LINKING_PATH}`;
  return {
    launchUrl: launch,
    initiateLoginUrl: `${base}${TOOL_LOGIN_PATH}`,
    deepLinkingUrl: deepLinking,
    publicKeysetUrl: `${base}${PUBLIC_KEYSET_PATH}`,
    /** Where the platform may send the id_token: the launch and the deep linking request. */
    redirectUris: [launch, deepLinking],
  };
}

interface PublishedCommon {
  id: number;
  instanceId: number;
  name: string;
  /** "LTI 1.1" or "LTI Advantage", as the page shows it. */
  version: string;
  status: "enabled" | "disabled";
  publish: "course" | "activity";
  activityId: number | null;
  toolName: string;
}

/** A Legacy LTI (1.1) publication: the consumer imports the cartridge or signs with the secret. */
export interface PublishedV1p1 extends PublishedCommon {
  ltiVersion: "1.1";
  cartridgeUrl: string;
  launchUrl: string;
  /** Only for those allowed to manage enrolment methods. */
  secret?: string;
}

/** An LTI Advantage publication: no secret; the platform sends customParameters with each launch. */
export interface PublishedV1p3 extends PublishedCommon, ReturnType<typeof toolUrls> {
  ltiVersion: "1.3";
  /** The custom parameter that selects this instance: id=<uuid>. */
  customParameters: { id: string };
}

export type PublishedDetails = PublishedV1p1 | PublishedV1p3;

export async function publishedDetails(
  ctx: AppContext,
  instance: EnrolInstance,
  showSecret: boolean,
): Promise<PublishedDetails> {
  const p = await repo.findPublicationByInstance(ctx.db, instance.id);
  if (!p) throw new NotFoundError("Publication");
  const activity = p.activityId ? await findActivity(ctx.db, p.activityId) : undefined;
  const course = await findCourse(ctx.db, p.courseId);
  const common = {
    id: instance.id,
    instanceId: instance.id,
    name: instance.name,
    status: instance.status,
    publish: p.activityId ? ("activity" as const) : ("course" as const),
    activityId: p.activityId,
    toolName: activity?.name ?? course?.fullname ?? "",
  };
  if (p.ltiVersion === "1.3")
    return {
      ...common,
      version: "LTI Advantage",
      ltiVersion: "1.3",
      ...toolUrls(ctx),
      customParameters: { id: p.uuid },
    };
  return {
    ...common,
    version: "LTI 1.1",
    ltiVersion: "1.1",
    cartridgeUrl: cartridgeUrl(ctx, p),
    launchUrl: launchUrl(ctx, p),
    ...(showSecret ? { secret: p.secret } : {}),
  };
}

/** The Common Cartridge basic LTI link a consumer imports (no secret in it): Legacy LTI (1.1) only. */
export async function cartridgeXml(ctx: AppContext, uuid: string): Promise<string> {
  const p = await repo.findPublicationByUuid(ctx.db, uuid);
  if (p?.ltiVersion !== "1.1") throw new NotFoundError("Published tool");
  const instance = await findEnrolInstance(ctx.db, p.instanceId);
  if (instance?.status !== "enabled") throw new NotFoundError("Published tool");
  const course = await findCourse(ctx.db, p.courseId);
  const activity = p.activityId ? await findActivity(ctx.db, p.activityId) : undefined;
  const url = launchUrl(ctx, p);
  const https = url.startsWith("https:");
  const icon = `${ctx.config.publicUrl}/static/icon.svg`;
  return buildCartridge({
    title: xmlSafe(instance.name || activity?.name || course?.fullname || "Pluto LMS"),
    description: xmlSafe(plainText(course?.summary ?? "")),
    launchUrl: url,
    ...(https ? { secureLaunchUrl: url, secureIcon: icon } : {}),
    icon,
    vendor: { code: "pluto", name: "Pluto LMS", description: "Pluto LMS", url: ctx.config.publicUrl },
    extensions: [{ platform: "pluto", properties: { icon_url: icon }, options: {} }],
  });
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** The text of an HTML summary: tags dropped, character references decoded (the XML writer escapes again). */
export function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (ref, name: string) => {
      const lower = name.toLowerCase();
      const code = lower.startsWith("#x")
        ? Number.parseInt(lower.slice(2), 16)
        : lower.startsWith("#")
          ? Number(lower.slice(1))
          : undefined;
      if (code === undefined) return ENTITIES[lower] ?? ref;
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
    })
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 1000);
}

/** Drops what XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF). */
export function xmlSafe(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    const ok =
      c === 9 ||
      c === 10 ||
      c === 13 ||
      (c >= 0x20 && c < 0xd800) ||
      (c > 0xdfff && c < 0xfffe) ||
      c > 0xffff;
    if (ok) out += ch;
  }
  return out;
}

/**
 * The publication a launch selects by its uuid (the 1.1 launch URL's, the 1.3 custom parameter
 * id=<uuid>), whatever its version: the launch refuses one of the other version with
 * `lti_version_mismatch` (launch/rejection.ts, `requireLtiVersion`).
 */
export function findPublicationByUuid(db: Db, uuid: string): Promise<repo.Publication | undefined> {
  return repo.findPublicationByUuid(db, uuid);
}
export const findPublicationByInstance = repo.findPublicationByInstance;
export const listPublications = repo.listPublications;
