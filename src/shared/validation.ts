// Parsing input at the boundary: zod schemas turned into ValidationError with per-field messages.
import { z } from "zod";
import { ValidationError } from "./errors.js";

export function parseInput<T extends z.ZodType>(schema: T, data: unknown): z.output<T> {
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "_",
    message: humanMessage(issue),
  }));
  throw new ValidationError(fields.map((f) => f.message).join(" "), fields);
}

function humanMessage(issue: z.core.$ZodIssue): string {
  const field = issue.path.map(String).join(".");
  const label = field || "Input";
  if (issue.code === "invalid_type") return `${label}: expected ${issue.expected}`;
  return issue.message.includes(label) ? issue.message : `${label}: ${issue.message}`;
}

/** Form values: checkboxes come as "1" or are absent; text fields trimmed. */
export const formBool = z.preprocess(
  (v) => v === "1" || v === "on" || v === "true" || v === true,
  z.boolean(),
);
export const trimmed = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
export const requiredText = (max: number, what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} must be at most ${max} characters`);
/** An integer id in a URL segment or form field. */
export const idParam = z.coerce.number().int().positive();
