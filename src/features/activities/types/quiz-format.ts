// The quiz editor's plain-text question format, so questions can be written in a textarea
// without JavaScript. One question per block, blocks separated by a blank line:
//
//   What is 2 + 2?
//   - 3
//   * 4
//   - 5
//
// The lines before the first choice are the question; "* " marks the one correct choice and
// "- " every other choice.
import { ValidationError } from "../../../shared/errors.js";

export interface Question {
  text: string;
  choices: string[];
  correct: number;
}

function fail(message: string): never {
  throw new ValidationError(message, [{ field: "questionsText", message }]);
}

/** Parses the text format; structural problems are reported with the question's number. */
export function parseQuestionsText(input: unknown): Question[] {
  if (typeof input !== "string") fail("Questions: write at least one question");
  const blocks = input
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((b) =>
      b
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length > 0),
    )
    .filter((b) => b.length > 0);
  if (blocks.length === 0) fail("Questions: write at least one question");
  return blocks.map((lines, qi) => {
    const n = qi + 1;
    const textLines: string[] = [];
    const choices: string[] = [];
    let correct = -1;
    for (const line of lines) {
      const marker = line[0];
      if (marker === "*" || marker === "-") {
        if (marker === "*") {
          if (correct >= 0) fail(`Question ${n}: mark only one choice as correct with “*”`);
          correct = choices.length;
        }
        choices.push(line.slice(1).trim());
      } else if (choices.length > 0) {
        fail(
          `Question ${n}: the line “${line.slice(0, 40)}” comes after the choices; start each choice with “*” or “-”`,
        );
      } else {
        textLines.push(line);
      }
    }
    if (textLines.length === 0) fail(`Question ${n}: the question text is missing`);
    if (correct < 0) fail(`Question ${n}: mark the correct choice with “*”`);
    return { text: textLines.join("\n"), choices, correct };
  });
}

export function formatQuestionsText(questions: readonly Question[]): string {
  return questions
    .map((q) => [q.text, ...q.choices.map((c, i) => `${i === q.correct ? "*" : "-"} ${c}`)].join("\n"))
    .join("\n\n");
}
