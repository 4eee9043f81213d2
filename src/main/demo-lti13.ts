// `npm run demo -- --wired --lti13`: the two demo sites wired by LTI 1.3 (LTI Advantage) through their own
// APIs, as the README's "On LTI 1.3" guide does through the pages. The provider publishes the course with
// "LTI Advantage" (grade and member sync on) and makes a Registration URL; the consumer registers the
// provider by Dynamic Registration with it (the demo opens the consumer's registration URL as the
// consumer's dialog would, and the provider registers itself from its server) and activates the tool; the
// consumer's course gets the two links a Deep Linking choice of the quiz and the page makes (the custom
// parameters id=<uuid> and activity=<id>). A teacher can add more with "Select content".
import type { ProviderCourse } from "./demo-course.js";

export interface DemoSite {
  name: string;
  url: string;
  /** The site admin's API token. */
  token: string;
}

export type DemoCall = <T>(site: DemoSite, method: string, path: string, body?: unknown) => Promise<T>;

interface ToolType {
  id: number;
  name: string;
  ltiVersion: string;
  status?: string;
  launchUrl?: string;
  deploymentId?: string;
}

export interface WiredLti13 {
  toolName: string;
  deploymentId: string;
  consumerCourseUrl: string;
  quizUrl: string;
}

/** Dynamic Registration through the APIs, then the deep-linked course on the consumer. */
export async function wireLti13(
  call: DemoCall,
  provider: DemoSite,
  consumer: DemoSite,
  course: ProviderCourse,
): Promise<WiredLti13> {
  const published = await call<{ customParameters: { id: string } }>(
    provider,
    "POST",
    `/courses/${course.id}/enrol-methods`,
    {
      method: "lti",
      ltiVersion: "1.3",
      name: "Consumer site",
      publish: "course",
      gradeSync: true,
      memberSync: true,
      memberSyncMode: "enrol_new",
      defaults: { country: "GB", city: "London", timezone: "Europe/London", lang: "en" },
    },
  );

  const registration = await call<{ url: string }>(provider, "POST", "/lti/platforms/registration-url");
  const opened = await call<{ url: string }>(consumer, "POST", "/lti/tool-types/dynamic-registration", {
    url: registration.url,
  });
  // What the consumer's dialog does: open the tool's registration page, which registers it from its server.
  const page = await fetch(opened.url);
  if (!page.ok) throw new Error(`${provider.name}: its registration page answered ${page.status}`);
  const tools = await call<ToolType[]>(consumer, "GET", "/lti/tool-types");
  const tool = tools.find((t) => t.ltiVersion === "1.3" && t.status === "pending");
  if (!tool) throw new Error(`${consumer.name}: no Pending LTI 1.3 tool after the registration`);
  const active = await call<ToolType>(consumer, "PATCH", `/lti/tool-types/${tool.id}`, { status: "active" });
  const platforms = await call<Array<{ status: string }>>(provider, "GET", "/lti/platforms");
  if (!platforms.some((p) => p.status === "active"))
    throw new Error(`${provider.name}: the registered platform is not Active`);

  const local = await call<{ id: number }>(consumer, "POST", "/courses", {
    fullname: "Science",
    shortname: "SCI",
  });
  const link = (name: string, activityId: number, maxGrade?: number) =>
    call<{ id: number; url: string }>(consumer, "POST", `/courses/${local.id}/activities`, {
      type: "lti",
      name,
      section: 1,
      settings: {
        toolTypeId: tool.id,
        toolUrl: active.launchUrl ?? `${provider.url}/lti/tool/launch`,
        customParameters: `id=${published.customParameters.id}\nactivity=${activityId}`,
        launchContainer: "embed",
        // As a Deep Linking item without a lineItem: no gradebook column.
        ...(maxGrade === undefined ? { acceptGrades: false } : { maxGrade }),
      },
    });
  await link(course.pageName, course.pageId);
  const quiz = await link(course.quizName, course.quizId, course.quizMaxGrade);
  return {
    toolName: active.name,
    deploymentId: active.deploymentId ?? "",
    consumerCourseUrl: `${consumer.url}/course/${local.id}`,
    quizUrl: quiz.url,
  };
}
