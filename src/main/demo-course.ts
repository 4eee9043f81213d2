// The demo's provider course, made through the provider's API for either wiring (LTI 1.1 or 1.3):
// "Astronomy 101" with a page in the General section and a quiz in Topic 1.
import type { DemoCall, DemoSite } from "./demo-lti13.js";

export interface ProviderCourse {
  id: number;
  pageId: number;
  pageName: string;
  quizId: number;
  quizName: string;
  quizMaxGrade: number;
}

export async function makeProviderCourse(call: DemoCall, provider: DemoSite): Promise<ProviderCourse> {
  const course = await call<{ id: number }>(provider, "POST", "/courses", {
    fullname: "Astronomy 101",
    shortname: "ASTRO101",
    summary: "The solar system, published as an LTI tool.",
  });
  const pageName = "Welcome to Astronomy 101";
  const page = await call<{ id: number }>(provider, "POST", `/courses/${course.id}/activities`, {
    type: "page",
    name: pageName,
    section: 0,
    settings: {
      content:
        "<p>This course lives on the <strong>Provider</strong> site and is shown inside the Consumer's course.</p>",
    },
  });
  const quizName = "Planets quiz";
  const quizMaxGrade = 10;
  const quiz = await call<{ id: number }>(provider, "POST", `/courses/${course.id}/activities`, {
    type: "quiz",
    name: quizName,
    section: 1,
    settings: {
      maxGrade: quizMaxGrade,
      questions: [
        { text: "Which planet is closest to the Sun?", choices: ["Venus", "Mercury", "Mars"], correct: 1 },
        { text: "Which planet has the most moons known?", choices: ["Saturn", "Earth"], correct: 0 },
      ],
    },
  });
  return { id: course.id, pageId: page.id, pageName, quizId: quiz.id, quizName, quizMaxGrade };
}
