import { Layout } from "./layout.js";
import type { PageContext } from "./page-context.js";

export function ErrorPage({
  pc,
  title,
  message,
  status,
}: {
  pc: PageContext;
  title: string;
  message: string;
  status: number;
}) {
  return (
    <Layout pc={pc} title={title}>
      <p class="error-message" role="alert">
        {message}
      </p>
      <p class="muted">Error {status}</p>
      {status === 401 ? (
        <p>
          <a href={`/login?next=${encodeURIComponent(pc.url)}`}>Log in</a>
        </p>
      ) : (
        <p>
          <a href="/">Go to the home page</a>
        </p>
      )}
    </Layout>
  );
}
