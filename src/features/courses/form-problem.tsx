// The problems of a form sent back to its author, with the error code machines (tests) can read.
import { type Errors, FormErrors } from "../../views/forms.js";

export function FormProblem({ errors, code = "validation" }: { errors: Errors; code?: string }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div class="form-problem" data-error-code={code}>
      <FormErrors errors={errors} />
    </div>
  );
}
