// Turns the errors a form can fix (validation, conflict) into a FormProblemInfo for re-rendering
// the form with the user's input; anything else goes on to the central error handler.

import { AppError, ValidationError } from "../shared/errors.js";
import type { FormProblemInfo } from "../views/form-problem.js";
import { STATUS } from "./status.js";

export function formProblem(err: unknown): FormProblemInfo | undefined {
  if (err instanceof ValidationError) return { code: err.code, message: err.message, fields: err.fields };
  if (err instanceof AppError && err.code === "conflict") {
    return { code: err.code, message: err.message, fields: [] };
  }
  return undefined;
}

export function problemStatus(problem: FormProblemInfo): number {
  return STATUS[problem.code];
}
