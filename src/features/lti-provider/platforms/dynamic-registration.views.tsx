// Dynamic Registration's pages: the "Registration URL" section of the platforms page (a button that makes a
// new URL, which is then shown once, with its expiry, to copy), and the pages the platform's frame or window
// shows when it opens that URL: registered (whose script, public/lti-tool-registration.js, posts
// org.imsglobal.lti.close to the platform) or refused, with the reason.

import { CopyField, Csrf } from "../../../views/forms.js";
import { Layout } from "../../../views/layout.js";
import type { PageContext } from "../../../views/page-context.js";
import type { RegistrationUrl } from "./dynamic-registration.service.js";
import type { Platform } from "./platforms.service.js";

export const REGISTRATION_URL_ACTION = "/admin/lti/platforms/registration-url";

/** "2026-12-04T02:05:00.000Z" as "2026-12-04 02:05 UTC". */
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function RegistrationUrlSection({
  pc,
  made,
}: {
  pc: PageContext;
  made?: RegistrationUrl | undefined;
}) {
  return (
    <section aria-labelledby="registration-url-heading">
      <h2 id="registration-url-heading">Registration URL</h2>
      <p>
        A platform that supports LTI Dynamic Registration registers this site by itself: give its
        administrator a Registration URL (“Tool initiation registration endpoint”, “Dynamic registration
        URL”). Each URL works once and for one hour; it is shown only when it is made.
      </p>
      {made ? (
        <div role="status">
          <CopyField
            id="registration-url"
            label="Registration URL"
            hint={`Single use. Expires ${utc(made.expiresAt)}.`}
            value={made.url}
          />
        </div>
      ) : null}
      <form method="post" action={REGISTRATION_URL_ACTION}>
        <Csrf token={pc.csrf} />
        <button type="submit" class="secondary">
          {made ? "Make another registration URL" : "Make a registration URL"}
        </button>
      </form>
    </section>
  );
}

export function RegisteredPage({ pc, platform }: { pc: PageContext; platform: Platform }) {
  return (
    <Layout pc={pc} title="Registered">
      <p role="status" id="lti-registration-done" data-lti-registration="close">
        This site is registered with {platform.name} as an LTI tool
        {platform.status === "active"
          ? "."
          : ": the platform gave no deployment yet, so the site's administrator adds one before it can launch."}
      </p>
      <p>You can close this window or dialog now.</p>
      <script type="module" src="/static/lti-tool-registration.js" />
    </Layout>
  );
}

export function RegistrationRefusedPage({ pc, message }: { pc: PageContext; message: string }) {
  return (
    <Layout pc={pc} title="Registration refused">
      <p role="alert">{message}</p>
      <p>Nothing was registered on this site.</p>
    </Layout>
  );
}
