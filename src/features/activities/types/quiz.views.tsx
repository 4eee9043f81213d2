// Quiz views: the attempt form (one fieldset of radio buttons per question), the learner's
// attempts, and for teachers a summary per student and the questions with their answers.
import { formatInstant } from "../../../shared/time-zone.js";
import { Csrf } from "../../../views/forms.js";
import type { PageContext } from "../../../views/page-context.js";
import type { Activity } from "../activity-types.js";
import { fmt } from "./assign.views.js";
import type { Attempt, QuizSettings } from "./quiz.service.js";

export function LearnerQuizView({
  pc,
  activity,
  attempts,
}: {
  pc: PageContext;
  activity: Activity<QuizSettings>;
  attempts: Attempt[];
}) {
  const { maxGrade, questions } = activity.settings;
  const best = attempts.length
    ? Math.max(...attempts.map((a) => (a.maxGrade > 0 ? (a.grade / a.maxGrade) * maxGrade : 0)))
    : null;
  return (
    <>
      {attempts.length > 0 ? (
        <section aria-labelledby="your-attempts">
          <h2 id="your-attempts">Your attempts</h2>
          <p class="grade-box">
            Your grade (best attempt):{" "}
            <strong>
              {fmt(best ?? 0)} / {fmt(maxGrade)}
            </strong>
          </p>
          <table>
            <caption>Attempts</caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Finished</th>
                <th scope="col">Grade</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a, i) => (
                <tr key={a.id}>
                  <th scope="row">{i + 1}</th>
                  <td>{formatInstant(a.createdAt, pc.timeZone)}</td>
                  <td>
                    {fmt(a.grade)} / {fmt(a.maxGrade)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section aria-labelledby="attempt-h">
        <h2 id="attempt-h">{attempts.length ? "Try again" : "Answer the questions"}</h2>
        <p>
          {questions.length} question{questions.length === 1 ? "" : "s"}, graded out of {fmt(maxGrade)}. Your
          best attempt counts.
        </p>
        <form method="post" action={`/mod/${activity.id}/attempt`}>
          <Csrf token={pc.csrf} />
          {questions.map((q, qi) => (
            <fieldset key={`q${qi}`} class="question">
              <legend>
                Question {qi + 1}: <span class="preformatted">{q.text}</span>
              </legend>
              {q.choices.map((c, ci) => (
                <div class="field checkbox" key={`q${qi}-${ci}`}>
                  <input type="radio" id={`q${qi}-${ci}`} name={`q${qi}`} value={String(ci)} />
                  <label for={`q${qi}-${ci}`}>{c}</label>
                </div>
              ))}
            </fieldset>
          ))}
          <button type="submit">Submit answers</button>
        </form>
      </section>
    </>
  );
}

export interface QuizSummaryRow {
  userId: number;
  name: string;
  attempts: number;
  best: number | null;
}

export function StaffQuizView({
  activity,
  rows,
}: {
  activity: Activity<QuizSettings>;
  rows: QuizSummaryRow[];
}) {
  const { maxGrade, questions } = activity.settings;
  return (
    <>
      <table>
        <caption>Attempts by student</caption>
        <thead>
          <tr>
            <th scope="col">Student</th>
            <th scope="col">Attempts</th>
            <th scope="col">Best grade</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={3}>No attempts yet.</td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.userId}>
                <th scope="row">{r.name}</th>
                <td>{r.attempts}</td>
                <td>{r.best === null ? "–" : `${fmt(r.best)} / ${fmt(maxGrade)}`}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <section aria-labelledby="questions-h">
        <h2 id="questions-h">Questions</h2>
        <ol class="quiz-preview">
          {questions.map((q, qi) => (
            <li key={`p${qi}`}>
              <p class="preformatted">{q.text}</p>
              <ul>
                {q.choices.map((c, ci) => (
                  <li key={`p${qi}-${ci}`}>
                    {c}
                    {ci === q.correct ? <strong> (correct answer)</strong> : null}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
