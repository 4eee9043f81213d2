// Site admin → Integrations → External Sources / LTI: the site-wide external tools, their form and deletion.
import type { ComponentChildren } from "preact";
import { AdminLayout } from "../../../views/admin-layout.js";
import { CopyField } from "../../../views/copy-field.js";
import { FormProblem, type FormProblemInfo } from "../../../views/form-problem.js";
import { Csrf, Fieldset } from "../../../views/forms.js";
import type { PageContext } from "../../../views/page-context.js";
import { PRIVACY_FIELDS, ToolFields, type ToolFieldUse } from "./tool-fields.js";
import type { ToolRegistration } from "./tool-registrations.service.js";
import { LAUNCH_CONTAINER_LABELS, type ToolType } from "./tool-types.service.js";

export const TOOLS_PATH = "/admin/lti/tools";
export const TOOLS_TITLE = "External Sources / LTI";

export function ToolTypesPage({
  pc,
  tools,
  dynamicRegistration,
  status,
}: {
  pc: PageContext;
  tools: ToolType[];
  /** The Dynamic Registration box (dynamic-registration.views.tsx). */
  dynamicRegistration?: ComponentChildren;
  /** A tool's status cell content (a Pending tool's Activate button), or null. */
  status?: (t: ToolType) => ComponentChildren;
}) {
  return (
    <AdminLayout pc={pc} title={TOOLS_TITLE} crumbs={[{ label: TOOLS_TITLE }]}>
      <p>
        External tools (LTI 1.1 or LTI 1.3) that every course can add as an “External tool” activity. An
        activity whose tool URL has the same domain as one of these LTI 1.1 tools uses its consumer key and
        shared secret; an LTI 1.3 tool is chosen as the activity's “Preconfigured tool”.
      </p>
      <p>
        <a href={`${TOOLS_PATH}/new`} class="button">
          Add an external tool
        </a>
      </p>
      {dynamicRegistration}
      {tools.length === 0 ? (
        <p>No site-wide external tools yet.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Site-wide external tools</caption>
          <thead>
            <tr>
              <th scope="col">Tool name</th>
              <th scope="col">Tool URL</th>
              <th scope="col">LTI version</th>
              <th scope="col">Consumer key</th>
              <th scope="col">Launch container</th>
              <th scope="col">In the content picker</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tools.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>
                  {t.baseUrl}
                  {t.cartridgeUrl ? <span class="help"> (cartridge)</span> : null}
                </td>
                <td>{t.ltiVersion}</td>
                <td>{t.consumerKey || "—"}</td>
                <td>{LAUNCH_CONTAINER_LABELS[t.launchContainer]}</td>
                <td>{t.showInPicker ? "Yes" : "No"}</td>
                <td>
                  {status?.(t)}
                  {t.ltiVersion === "1.3" ? (
                    <>
                      <a href={`${TOOLS_PATH}/${t.id}`}>
                        Tool configuration details<span class="visually-hidden"> of {t.name}</span>
                      </a>{" "}
                    </>
                  ) : null}
                  <a href={`${TOOLS_PATH}/${t.id}/edit`}>
                    Edit<span class="visually-hidden"> {t.name}</span>
                  </a>{" "}
                  <a href={`${TOOLS_PATH}/${t.id}/delete`}>
                    Delete<span class="visually-hidden"> {t.name}</span>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminLayout>
  );
}

/** Form values: strings as typed, booleans for the checkboxes. */
export interface ToolFormValues {
  name: string;
  description: string;
  toolUrl: string;
  consumerKey: string;
  sharedSecret: string;
  customParameters: string;
  iconUrl: string;
  secureIconUrl: string;
  launchContainer: string;
  shareName: boolean;
  shareEmail: boolean;
  acceptGrades: boolean;
  showInPicker: boolean;
  ltiVersion: string;
  initiateLoginUrl: string;
  redirectUris: string;
  publicKeyType: string;
  publicKeysetUrl: string;
  publicKey: string;
  deepLinking: boolean;
  deepLinkingUrl: string;
  /** LTI 1.3 services: the API's `services: {ags, nrps}`. */
  serviceAgs: boolean;
  serviceNrps: boolean;
}

export const EMPTY_TOOL_FORM: ToolFormValues = {
  name: "",
  description: "",
  toolUrl: "",
  consumerKey: "",
  sharedSecret: "",
  customParameters: "",
  iconUrl: "",
  secureIconUrl: "",
  launchContainer: "embed",
  shareName: true,
  shareEmail: true,
  acceptGrades: true,
  showInPicker: true,
  ltiVersion: "1.1",
  initiateLoginUrl: "",
  redirectUris: "",
  publicKeyType: "keyset",
  publicKeysetUrl: "",
  publicKey: "",
  deepLinking: false,
  deepLinkingUrl: "",
  serviceAgs: true,
  serviceNrps: true,
};

const TOOL_SETTINGS: readonly ToolFieldUse[] = [
  { name: "name", help: "Left empty, the cartridge's title is used (LTI 1.1); required for LTI 1.3." },
  {
    name: "toolUrl",
    required: true,
    help: "The launch URL (LTI 1.3: the target link URI, a vendor's “Launch URL” or “Target link URI”), or, for LTI 1.1, a Cartridge URL from which the launch URL, icons and custom parameters are read. Activities whose tool URL has this domain use this tool's key and secret.",
  },
  "description",
  {
    name: "customParameters",
    help: "One name=value per line. They override an activity's own parameters of the same name.",
  },
  "iconUrl",
  { name: "launchContainer", label: "Default launch container" },
  { name: "showInPicker", help: "It is always offered under “Preconfigured tool”." },
];

const LTI11_FIELDS: readonly ToolFieldUse[] = ["consumerKey", "sharedSecret", "secureIconUrl"];

const LTI13_FIELDS: readonly ToolFieldUse[] = [
  {
    name: "initiateLoginUrl",
    help: "Where Pluto starts the tool's OIDC login (a vendor's “OIDC login initiation URL” or “Login URL”).",
  },
  {
    name: "redirectUris",
    help: "One URL per line (a vendor's “Redirect URL(s)” or “Launch URL”). The tool's requests must name one of these exactly, character for character.",
  },
  { name: "publicKeyType", help: "How Pluto gets the tool's public key." },
  { name: "publicKeysetUrl", help: "For “Keyset URL”: the tool's JWKS URL." },
  {
    name: "publicKey",
    help: "For “RSA key”: the tool's public key, as a PEM (-----BEGIN PUBLIC KEY-----) or a JWK.",
  },
  {
    name: "deepLinking",
    help: "The tool lets teachers pick content (LTI Deep Linking): the External tool form then offers “Select content”.",
  },
  {
    name: "deepLinkingUrl",
    help: "Where the tool's content selection starts (a vendor's “Deep Linking URL” or “Content selection URL”); required with Deep Linking.",
  },
];

/** The LTI 1.3 services the tool may use: the scopes its access tokens get (Access token URL). */
const LTI13_SERVICES: readonly ToolFieldUse[] = [
  {
    name: "serviceAgs",
    help: "The tool may read and write its grade columns and send scores (line items, results, scores). Grades come only while “Accept grades from the tool” is on too.",
  },
  {
    name: "serviceNrps",
    help: "The tool may read the course's members and their roles; names and emails only as the privacy settings allow.",
  },
];

export function ToolTypeFormPage({
  pc,
  tool,
  values,
  problem,
}: {
  pc: PageContext;
  /** Absent when adding a tool. */
  tool?: ToolType;
  values: ToolFormValues;
  problem?: FormProblemInfo;
}) {
  const errors = problem?.fields;
  // An LTI 1.1 tool's "Upgrade to LTI 1.3" form (and its refusal): the 1.3 fields, the key kept.
  const upgrading = tool?.ltiVersion === "1.1" && values.ltiVersion === "1.3";
  const version = upgrading ? "1.3" : tool?.ltiVersion;
  const title = upgrading
    ? `Upgrade ${tool.name} to LTI 1.3`
    : tool
      ? `Edit external tool ${tool.name}`
      : "Add an external tool";
  return (
    <AdminLayout
      pc={pc}
      title={title}
      crumbs={[{ label: TOOLS_TITLE, href: TOOLS_PATH }, { label: tool ? tool.name : "New tool" }]}
    >
      {upgrading ? (
        <p>
          The tool keeps its place in every course: activities using it keep their resource link ids and their
          grades, and its LTI 1.1 consumer key and shared secret are kept, so its LTI 1.3 launches carry the
          LTI 1.1 migration claim (the 1.1 key, signed with the 1.1 secret) from which the tool maps its LTI
          1.1 users and links. Grades from then on come by Assignment and Grade Services. Enter the LTI 1.3
          fields the tool's set-up guide gives; there is no way back to LTI 1.1.
        </p>
      ) : null}
      <form method="post" action={tool ? `${TOOLS_PATH}/${tool.id}/edit` : `${TOOLS_PATH}/new`} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <Fieldset legend="Tool settings">
          {tool ? (
            <>
              <p>
                LTI version: {upgrading ? "LTI 1.1, upgraded on saving to LTI 1.3" : `LTI ${tool.ltiVersion}`}
                <input type="hidden" name="ltiVersion" value={version} />
              </p>
              {tool.ltiVersion === "1.1" && !upgrading ? (
                <p>
                  <a href={`${TOOLS_PATH}/${tool.id}/upgrade`} class="button secondary">
                    Upgrade to LTI 1.3
                  </a>{" "}
                  <span class="help">
                    Keeps the tool, its activities and grades, and its consumer key and secret.
                  </span>
                </p>
              ) : null}
              {version === "1.3" && tool.consumerKey !== "" ? (
                <div class="field">
                  <label for="kept-consumer-key">LTI 1.1 consumer key (kept for migration)</label>
                  <p class="help" id="kept-consumer-key-help">
                    Sent with its signature (made with the kept LTI 1.1 shared secret) in every LTI 1.3
                    launch, for the tool to map its LTI 1.1 users and links. It cannot be changed.
                  </p>
                  <input
                    id="kept-consumer-key"
                    type="text"
                    readOnly
                    value={tool.consumerKey}
                    aria-describedby="kept-consumer-key-help"
                  />
                </div>
              ) : null}
            </>
          ) : (
            <ToolFields
              values={values}
              errors={errors}
              fields={[
                {
                  name: "ltiVersion",
                  help: "Which fields below are needed: those under “LTI 1.1” or those under “LTI 1.3”, as the tool's set-up guide says.",
                },
              ]}
            />
          )}
          <ToolFields values={values} errors={errors} fields={TOOL_SETTINGS} />
        </Fieldset>
        {version === "1.3" ? null : (
          <fieldset data-lti-version="1.1">
            <legend>LTI 1.1</legend>
            <ToolFields values={values} errors={errors} fields={LTI11_FIELDS} />
          </fieldset>
        )}
        {tool && version !== "1.3" ? null : (
          <fieldset data-lti-version="1.3">
            <legend>LTI 1.3</legend>
            <p class="help">
              Required for an LTI 1.3 tool. On saving, Pluto issues the tool's Client ID and Deployment ID and
              shows the Tool configuration details to give the tool's vendor.
            </p>
            <ToolFields values={values} errors={errors} fields={LTI13_FIELDS} />
            <fieldset>
              <legend>Services</legend>
              <ToolFields values={values} errors={errors} fields={LTI13_SERVICES} />
            </fieldset>
          </fieldset>
        )}
        <Fieldset legend="Privacy defaults">
          <p class="help">
            Activities using this tool start with these and may turn them off, never on: a box left off here
            is off for every activity using this tool, those already in courses too. The tool's key and secret
            are only sent to its launch URL's host.
          </p>
          <ToolFields values={values} errors={errors} fields={PRIVACY_FIELDS} />
        </Fieldset>
        <p class="actions">
          <button type="submit">
            {upgrading ? "Upgrade to LTI 1.3" : tool ? "Save changes" : "Add tool"}
          </button>{" "}
          <a href={TOOLS_PATH}>Cancel</a>
        </p>
      </form>
    </AdminLayout>
  );
}

export function DeleteToolTypePage({ pc, tool }: { pc: PageContext; tool: ToolType }) {
  return (
    <AdminLayout
      pc={pc}
      title="Delete external tool"
      crumbs={[{ label: TOOLS_TITLE, href: TOOLS_PATH }, { label: "Delete" }]}
    >
      <p>
        Delete the site-wide tool <strong>{tool.name}</strong>? Activities that use it and have no consumer
        key and shared secret of their own can no longer be launched.
      </p>
      <form method="post" action={`${TOOLS_PATH}/${tool.id}/delete`} class="inline">
        <Csrf token={pc.csrf} />
        <button type="submit" class="danger">
          Delete
        </button>
      </form>{" "}
      <a href={TOOLS_PATH}>Cancel</a>
    </AdminLayout>
  );
}

/** An LTI 1.3 site tool's page: the Tool configuration details its vendor asks for, and its registration. */
export function ToolDetailsPage({
  pc,
  tool,
  registration: r,
  platform,
}: {
  pc: PageContext;
  tool: ToolType;
  registration: ToolRegistration;
  platform: {
    issuer: string;
    authenticationRequestUrl: string;
    accessTokenUrl: string;
    publicKeysetUrl: string;
    openidConfigurationUrl: string;
  };
}) {
  return (
    <AdminLayout
      pc={pc}
      title={`External tool ${tool.name}`}
      crumbs={[{ label: TOOLS_TITLE, href: TOOLS_PATH }, { label: tool.name }]}
    >
      <p>
        LTI 1.3 · {r.status === "active" ? "Active" : "Pending activation"} ·{" "}
        <a href={`${TOOLS_PATH}/${tool.id}/edit`}>Edit</a>
      </p>
      <h2>Tool configuration details</h2>
      <p class="help">Enter these in the tool's set-up page (the names vendors use are under each label).</p>
      <CopyField id="platform-id" label="Platform ID" hint="Issuer, “iss”" value={platform.issuer} />
      <CopyField id="client-id" label="Client ID" value={r.clientId} />
      <CopyField id="deployment-id" label="Deployment ID" value={r.deploymentId} />
      <CopyField
        id="public-keyset-url"
        label="Public keyset URL"
        hint="JWKS URL, “Platform keyset URL”"
        value={platform.publicKeysetUrl}
      />
      <CopyField
        id="authentication-request-url"
        label="Authentication request URL"
        hint="“OIDC authorization URL”, “Platform OIDC auth URL”"
        value={platform.authenticationRequestUrl}
      />
      <CopyField
        id="access-token-url"
        label="Access token URL"
        hint="“Token endpoint”, “OAuth2 access token URL”: for grades and members (AGS, NRPS)"
        value={platform.accessTokenUrl}
      />
      <CopyField
        id="openid-configuration-url"
        label="OpenID configuration URL"
        hint="“Platform configuration”, for a tool that reads the platform's settings from it"
        value={platform.openidConfigurationUrl}
      />
      <h2>The tool's registration</h2>
      <dl>
        <dt>Tool URL (target link URI)</dt>
        <dd>{tool.launchUrl}</dd>
        <dt>Initiate login URL</dt>
        <dd>{r.initiateLoginUrl}</dd>
        <dt>Redirection URI(s)</dt>
        <dd>
          <ul>
            {r.redirectUris.map((u) => (
              <li key={u}>
                <code>{u}</code>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Public key</dt>
        <dd>{r.publicKeyType === "keyset" ? `Keyset URL: ${r.publicKeysetUrl}` : "RSA key (pasted)"}</dd>
      </dl>
    </AdminLayout>
  );
}
