// The pages of Pluto's LTI 1.3 tool endpoints: the login page that keeps the login's state in the
// platform's storage before going on to the platform (Platform Storage), and the launch page that reads
// it back and posts it with the id_token. Both work by public/lti-tool-storage.js; without scripts the
// login page offers a link on, and the launch page a button that posts without the storage values.
import { Layout } from "../../views/layout.js";
import type { PageContext } from "../../views/page-context.js";

export function ToolLoginStoragePage(p: {
  pc: PageContext;
  redirectUrl: string;
  target: string;
  origin: string;
  items: readonly { key: string; value: string }[];
}) {
  return (
    <Layout pc={p.pc} title="Signing you in">
      <p role="status">Signing you in through your course's platform…</p>
      <p>
        <a
          id="lti-tool-continue"
          href={p.redirectUrl}
          data-lti-tool-storage="put"
          data-target={p.target}
          data-origin={p.origin}
          data-items={JSON.stringify(p.items)}
        >
          Continue
        </a>
      </p>
      <script type="module" src="/static/lti-tool-storage.js" />
    </Layout>
  );
}

export function ToolLaunchStoragePage(p: {
  pc: PageContext;
  action: string;
  fields: Record<string, string>;
  target: string;
  origin: string;
  keys: { state: string; nonce: string };
}) {
  return (
    <Layout pc={p.pc} title="Opening your course">
      <p role="status">Opening your course…</p>
      <form
        method="post"
        action={p.action}
        data-lti-tool-storage="get"
        data-target={p.target}
        data-origin={p.origin}
        data-state-key={p.keys.state}
        data-nonce-key={p.keys.nonce}
      >
        {Object.entries(p.fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="lti_storage_state" value="" />
        <input type="hidden" name="lti_storage_nonce" value="" />
        <button type="submit">Continue</button>
      </form>
      <script type="module" src="/static/lti-tool-storage.js" />
    </Layout>
  );
}
