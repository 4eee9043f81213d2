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
  // A schema's own sentence names its field already ("Username is required"); zod's generic
  // messages ("Invalid input…", "Too big…") and fragments ("must be a number") get it in front.
  const message =
    issue.code === "invalid_type" && issue.message.startsWith("Invalid input")
      ? `expected ${issue.expected}`
      : issue.message;
  return /^([a-z]|Invalid|Too (big|small)|Unrecognized)/.test(message) ? `${label}: ${message}` : message;
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
export const idParam = z.coerce.number().int().positive().max(2_147_483_647);
/** An id that fits the INTEGER columns of both engines (a larger one would make PostgreSQL fail). */
export const rowId = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .positive("must be a positive number")
  .max(2_147_483_647, "is too large");
/** An id in a JSON body: a number, not a numeric string. */
export const jsonRowId = z.number().int().positive().max(2_147_483_647);
