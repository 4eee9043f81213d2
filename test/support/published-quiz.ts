// A course with a one-question quiz, published as an LTI tool through the API: what the grade sync
// tests start from.

import { api, type TestApp } from "./app.js";
import { addActivity, makeCourse } from "./factories.js";
import { baseLaunch, signLaunch } from "./lti11-consumer.js";

/** What the enrolment method API answers for a "Publish as LTI tool" instance (the fields tests use). */
export interface Published {
  id: number;
  launchUrl: string;
  secret: string;
}

export async function publishQuizCourse(
  t: TestApp,
): Promise<{ admin: string; courseId: number; quizId: number; pub: Published }> {
  const admin = await t.token((await t.admin()).id);
  const course = await makeCourse(t);
  const quiz = await addActivity(t, course.id, {
    type: "quiz",
    name: "Quiz",
    settings: { maxGrade: 10, questions: [{ text: "1+1?", choices: ["2", "3"], correct: 0 }] },
  });
  const res = await api(t.app, admin, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
    method: "lti",
    ltiVersion: "1.1",
    name: "Consumer",
  });
  if (res.status !== 201) throw new Error(`publishing failed: ${res.status} ${res.body}`);
  return { admin, courseId: course.id, quizId: quiz.id, pub: res.json as Published };
}

/**
 * Launches the published tool as a consumer's user whose grades go to `outcomeUrl`, signed with
 * oauth-1.0a at the app's clock; returns the id of the local account the launch gave that user.
 */
export async function launchWithOutcomes(
  t: TestApp,
  pub: Published,
  v: { consumerKey: string; remoteId: string; outcomeUrl: string; over?: Record<string, string> },
): Promise<number> {
  const form = signLaunch(
    pub.launchUrl,
    v.consumerKey,
    pub.secret,
    baseLaunch({
      user_id: v.remoteId,
      lis_outcome_service_url: v.outcomeUrl,
      lis_result_sourcedid: `sid-${v.remoteId}`,
      ...v.over,
    }),
    { timestamp: Math.floor(t.clock.now().getTime() / 1000) },
  );
  const res = await t.app.inject({
    method: "POST",
    url: new URL(pub.launchUrl).pathname,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(form).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`launch refused: ${res.statusCode} ${res.body}`);
  const link = await t.ctx.db
    .selectFrom("lti_user_links as l")
    .innerJoin("lti_deployments as d", "d.id", "l.deployment_id")
    .select("l.user_id")
    .where("l.remote_user_id", "=", v.remoteId)
    .where("d.consumer_key", "=", v.consumerKey)
    .executeTakeFirstOrThrow();
  return link.user_id;
}
