import { Csrf, type Errors, FormErrors, TextField } from "../../views/forms.js";
import { Layout } from "../../views/layout.js";
import type { PageContext } from "../../views/page-context.js";

export function LoginPage({
  pc,
  username,
  next,
  errors,
  message,
}: {
  pc: PageContext;
  username?: string;
  next?: string;
  errors?: Errors;
  message?: string;
}) {
  return (
    <Layout pc={pc} title="Log in">
      <form method="post" action="/login" class="narrow">
        <Csrf token={pc.csrf} />
        {next ? <input type="hidden" name="next" value={next} /> : null}
        {message ? (
          <p class="error-message" role="alert">
            {message}
          </p>
        ) : null}
        <FormErrors errors={errors} />
        <TextField
          name="username"
          label="Username"
          value={username}
          required
          autocomplete="username"
          errors={errors}
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          required
          autocomplete="current-password"
          errors={errors}
        />
        <button type="submit">Log in</button>
      </form>
    </Layout>
  );
}
