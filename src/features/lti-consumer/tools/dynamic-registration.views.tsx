// LTI Dynamic Registration on Site admin → Integrations → External Sources / LTI: the "Tool URL" box, the
// registration dialog (the tool's registration page in a frame) and what a Pending tool asked for.
import type { RegistrationSummary } from "../../../lti/registration/registration-response.js";
import { AdminLayout } from "../../../views/admin-layout.js";
import { FormProblem, type FormProblemInfo } from "../../../views/form-problem.js";
import { ActionButton, Checkbox, Csrf, TextField } from "../../../views/forms.js";
import type { PageContext } from "../../../views/page-context.js";

export const REGISTER_TOOL_PATH = "/admin/lti/tools/register";
export const AUTO_ACTIVATE_PATH = "/admin/lti/tools/auto-activate";
export const activatePath = (tools: string, id: number) => `${tools}/${id}/activate`;
/** A Pending registered tool upgrading the LTI 1.1 site tool `existing` of its domain. */
export const upgradeIntoPath = (tools: string, id: number, existing: number) =>
  `${tools}/${id}/upgrade-into/${existing}`;

/** The box on the tools list: a tool's registration URL, and the auto-activate setting. */
export function DynamicRegistrationBox({
  pc,
  autoActivate,
  url = "",
  problem,
}: {
  pc: PageContext;
  autoActivate: boolean;
  url?: string;
  problem?: FormProblemInfo;
}) {
  return (
    <section aria-labelledby="dynamic-registration">
      <h2 id="dynamic-registration">Add an LTI Advantage tool (Dynamic Registration)</h2>
      {problem ? <FormProblem problem={problem} /> : null}
      <form method="post" action={REGISTER_TOOL_PATH}>
        <Csrf token={pc.csrf} />
        <TextField
          name="url"
          label="Tool URL"
          type="url"
          value={url}
          required
          maxLength={2000}
          errors={problem?.fields}
          help="The tool's registration URL (its vendor calls it “Dynamic registration URL” or “Registration URL”). Its registration page opens here; the tool then registers itself."
        />
        <button type="submit">Add LTI Advantage</button>
      </form>
      <form method="post" action={AUTO_ACTIVATE_PATH}>
        <Csrf token={pc.csrf} />
        <Checkbox
          name="autoActivate"
          label="Auto-activate dynamically registered tools"
          checked={autoActivate}
          help="Off: a tool that registers itself is Pending until a site admin activates it here."
        />
        <button type="submit" class="secondary">
          Save
        </button>
      </form>
    </section>
  );
}

/** The registration dialog: the tool's page in a frame; "Done" (or the tool's close message) goes back. */
export function RegistrationDialogPage({
  pc,
  url,
  donePath,
  toolsTitle,
}: {
  pc: PageContext;
  url: string;
  donePath: string;
  toolsTitle: string;
}) {
  const origin = new URL(url).origin;
  return (
    <AdminLayout
      pc={pc}
      title="Register an LTI Advantage tool"
      crumbs={[{ label: toolsTitle, href: donePath }, { label: "Register a tool" }]}
    >
      <dialog open data-registration="1" class="registration-dialog" aria-labelledby="registration-title">
        <h2 id="registration-title">The tool's registration ({origin})</h2>
        <p class="help">
          Finish the tool's registration below. It then shows in the tools list, Pending until activated
          (unless auto-activation is on).
        </p>
        <iframe
          src={url}
          title="The tool's registration page"
          data-registration-origin={origin}
          data-registration-done={donePath}
        />
        <p>
          <a href={donePath} class="button">
            Done
          </a>
        </p>
      </dialog>
      <script src="/static/lti-registration.js" defer />
    </AdminLayout>
  );
}

const yes = (b: boolean) => (b ? "Yes" : "No");

/** What a dynamically registered tool asked for, for the admin who activates it. */
export function RegistrationSummaryView({ s }: { s: RegistrationSummary }) {
  return (
    <dl class="registration-summary">
      <dt>Shares the user's name</dt>
      <dd>{yes(s.privacy.shareName)}</dd>
      <dt>Shares the user's email</dt>
      <dd>{yes(s.privacy.shareEmail)}</dd>
      <dt>IMS LTI Assignment and Grade Services</dt>
      <dd>{yes(s.services.ags)}</dd>
      <dt>IMS LTI Names and Role Provisioning</dt>
      <dd>{yes(s.services.nrps)}</dd>
      <dt>Scopes granted</dt>
      <dd>{s.grantedScopes.length > 0 ? s.grantedScopes.join(", ") : "None (launches only)"}</dd>
      {s.droppedScopes.length > 0 ? (
        <>
          <dt>Scopes asked for but not offered by Pluto</dt>
          <dd>{s.droppedScopes.join(", ")}</dd>
        </>
      ) : null}
      <dt>Message types</dt>
      <dd>{s.messageTypes.length > 0 ? s.messageTypes.join(", ") : "LtiResourceLinkRequest"}</dd>
      <dt>Placements</dt>
      <dd>{s.placements.length > 0 ? s.placements.join(", ") : "—"}</dd>
      <dt>Deep linking URL</dt>
      <dd>{s.deepLinking.url ?? "—"}</dd>
      <dt>Domain</dt>
      <dd>{s.domain}</dd>
    </dl>
  );
}

/** The Pending marker and Activate button of a tools list row. */
export function PendingActions({
  pc,
  toolsPath,
  id,
  name,
  summary,
  upgrade,
}: {
  pc: PageContext;
  toolsPath: string;
  id: number;
  name: string;
  summary?: RegistrationSummary;
  /** The LTI 1.1 site tool of the same domain it may upgrade instead. */
  upgrade?: { id: number; name: string };
}) {
  return (
    <div class="pending-tool">
      <strong>Pending</strong>
      {summary ? (
        <details>
          <summary>
            What it asked for<span class="visually-hidden"> ({name})</span>
          </summary>
          <RegistrationSummaryView s={summary} />
        </details>
      ) : null}
      <ActionButton action={activatePath(toolsPath, id)} csrf={pc.csrf} label="Activate" />
      {upgrade ? (
        <>
          {" "}
          <ActionButton
            action={upgradeIntoPath(toolsPath, id, upgrade.id)}
            csrf={pc.csrf}
            label={`Upgrade ${upgrade.name}`}
          />
          <p class="help">
            Instead of a new tool: the LTI 1.1 tool “{upgrade.name}” of the same domain becomes this LTI 1.3
            tool, keeping its activities, their grades and its consumer key.
          </p>
        </>
      ) : null}
    </div>
  );
}
