// The problems of a form sent back to its author, with the error code machines (tests) can read as
// data-error-code: either an AppError's code, message and fields (FormProblemInfo, see
// src/http/form-problem.ts), or a list of field errors.
import type { ErrorCode, FieldError } from "../shared/errors.js";
import { type Errors, FormErrors } from "./forms.js";

/** Why a form was refused: an AppError's code (as data-error-code), its message, its fields. */
export interface FormProblemInfo {
  code: ErrorCode;
  message: string;
  fields: readonly FieldError[];
}

export function FormProblem(p: { problem: FormProblemInfo | undefined } | { errors: Errors; code?: string }) {
  if ("errors" in p) {
    if (!p.errors || p.errors.length === 0) return null;
    return (
      <div class="form-problem" data-error-code={p.code ?? "validation"}>
        <FormErrors errors={p.errors} />
      </div>
    );
  }
  const { problem } = p;
  if (!problem) return null;
  return (
    <div class="form-problem" data-error-code={problem.code}>
      {problem.fields.length > 0 ? (
        <FormErrors errors={problem.fields} />
      ) : (
        <p class="error-message" role="alert">
          {problem.message}
        </p>
      )}
    </div>
  );
}
