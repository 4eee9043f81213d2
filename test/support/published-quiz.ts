// A course with a one-question quiz, published as an LTI tool through the API: what the grade sync
// tests start from.

import { api, type TestApp } from "./app.js";
import { addActivity, makeCourse } from "./factories.js";

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
    name: "Consumer",
  });
  if (res.status !== 201) throw new Error(`publishing failed: ${res.status} ${res.body}`);
  return { admin, courseId: course.id, quizId: quiz.id, pub: res.json as Published };
}
