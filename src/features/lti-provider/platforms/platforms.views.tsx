// Site admin → Integrations → LTI Advantage platforms: the platforms that launch this site's published
// courses over LTI 1.3, the "Register a platform" form, a platform's page (Tool details to give its admin,
// Platform details, deployments), its edit form and its deletion. One file past 300 lines: the pages share
// the Tool details and the status text.
import { AdminLayout } from "../../../views/admin-layout.js";
import { FormProblem, type FormProblemInfo } from "../../../views/form-problem.js";
import { ActionButton, CopyField, Csrf, Fieldset, TextArea, TextField } from "../../../views/forms.js";
import type { PageContext } from "../../../views/page-context.js";
import type { RegistrationUrl } from "./dynamic-registration.service.js";
import { RegistrationUrlSection } from "./dynamic-registration.views.js";
import { FIELD_LABELS, type Platform } from "./platforms.service.js";
import type { ToolDetails } from "./tool-endpoints.js";

export const PLATFORMS_PATH = "/admin/lti/platforms";
export const PLATFORMS_TITLE = "LTI Advantage platforms";

const STATUS_LABELS = { active: "Active", pending: "Pending" } as const;

function StatusText({ p }: { p: Platform }) {
  if (p.status === "active") return <>{STATUS_LABELS.active}</>;
  return (
    <>
      {STATUS_LABELS.pending}
      <span class="help">
        {" "}
        (needs {p.missing.map((f) => FIELD_LABELS[f as keyof typeof FIELD_LABELS] ?? f).join(", ")})
      </span>
    </>
  );
}

export function PlatformsPage({
  pc,
  platforms,
  registrationUrl,
}: {
  pc: PageContext;
  platforms: Platform[];
  /** A Registration URL just made (shown once). */
  registrationUrl?: RegistrationUrl | undefined;
}) {
  return (
    <AdminLayout pc={pc} title={PLATFORMS_TITLE} crumbs={[{ label: PLATFORMS_TITLE }]}>
      <p>
        LMSs (LTI 1.3 platforms) that launch the courses this site publishes as LTI tools. Register each one
        with the Platform details its administrator gives you, and give them the Tool details in return. A
        platform stays Pending until its Platform ID, Client ID, Authentication request URL, Public keyset URL
        and one deployment are known.
      </p>
      <p>
        <a href={`${PLATFORMS_PATH}/new`} class="button">
          Register a platform
        </a>
      </p>
      {platforms.length === 0 ? (
        <p>No platforms registered yet.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Registered platforms</caption>
          <thead>
            <tr>
              <th scope="col">Platform name</th>
              <th scope="col">Platform ID</th>
              <th scope="col">Client ID</th>
              <th scope="col">Deployments</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {platforms.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  <a href={`${PLATFORMS_PATH}/${p.id}`}>{p.name}</a>
                </th>
                <td>{p.issuer || "—"}</td>
                <td>{p.clientId || "—"}</td>
                <td>
                  {p.deployments.length === 0 ? "—" : p.deployments.map((d) => d.deploymentId).join(", ")}
                </td>
                <td>
                  <StatusText p={p} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RegistrationUrlSection pc={pc} made={registrationUrl} />
    </AdminLayout>
  );
}

/** The form's values as typed. */
export interface PlatformFormValues {
  name: string;
  issuer: string;
  clientId: string;
  authenticationRequestUrl: string;
  accessTokenUrl: string;
  publicKeysetUrl: string;
  authorizationServer: string;
  deploymentIds: string;
}

export const EMPTY_PLATFORM_FORM: PlatformFormValues = {
  name: "",
  issuer: "",
  clientId: "",
  authenticationRequestUrl: "",
  accessTokenUrl: "",
  publicKeysetUrl: "",
  authorizationServer: "",
  deploymentIds: "",
};

export function ToolDetailsFields({ tool }: { tool: ToolDetails }) {
  return (
    <>
      <p class="help">
        Enter these in the platform's tool registration (the names platforms use are under each).
      </p>
      <CopyField id="tool-url" label="Tool URL" hint="“Launch URL”, “Target link URI”" value={tool.toolUrl} />
      <CopyField
        id="initiate-login-url"
        label="Initiate login URL"
        hint="“OIDC login initiation URL”, “Login URL”"
        value={tool.initiateLoginUrl}
      />
      {tool.redirectUris.map((u, i) => (
        <CopyField
          key={u}
          id={`redirect-uri-${i + 1}`}
          label={`Redirection URI ${i + 1}`}
          hint={i === 0 ? "“Redirect URL(s)”: enter every one, exactly as shown" : undefined}
          value={u}
        />
      ))}
      <CopyField
        id="tool-public-keyset-url"
        label="Public keyset URL"
        hint="“JWKS URL”, “Tool keyset URL”"
        value={tool.publicKeysetUrl}
      />
      <CopyField
        id="deep-linking-url"
        label="Deep linking URL"
        hint="“Content selection URL”, “Deep Linking request URL”"
        value={tool.deepLinkingUrl}
      />
    </>
  );
}

function PlatformDetailsFields({
  values,
  errors,
}: {
  values: PlatformFormValues;
  errors: FormProblemInfo["fields"] | undefined;
}) {
  const url = (name: keyof PlatformFormValues, help: string) => (
    <TextField
      name={name}
      label={FIELD_LABELS[name]}
      value={values[name]}
      errors={errors}
      type="url"
      help={help}
    />
  );
  return (
    <>
      <TextField
        name="issuer"
        label={FIELD_LABELS.issuer}
        value={values.issuer}
        errors={errors}
        type="url"
        help="The platform's issuer (“iss”), exactly as it gives it: an https URL."
      />
      <TextField
        name="clientId"
        label={FIELD_LABELS.clientId}
        value={values.clientId}
        errors={errors}
        maxLength={255}
        help="The client_id the platform issued to Pluto."
      />
      {url("authenticationRequestUrl", "“OIDC authorization URL”, “Platform OIDC auth URL”.")}
      {url("publicKeysetUrl", "“JWKS URL”, “Platform keyset URL”: where the platform's public keys are.")}
      {url("accessTokenUrl", "“Token endpoint”: for sending grades and reading members (AGS, NRPS).")}
      {url(
        "authorizationServer",
        "Only when the platform names an authorization server other than its access token URL.",
      )}
    </>
  );
}

export function PlatformFormPage({
  pc,
  platform,
  tool,
  values,
  problem,
}: {
  pc: PageContext;
  /** Absent when registering. */
  platform?: Platform;
  tool: ToolDetails;
  values: PlatformFormValues;
  problem?: FormProblemInfo;
}) {
  const errors = problem?.fields;
  const title = platform ? `Edit platform ${platform.name}` : "Register a platform";
  const action = platform ? `${PLATFORMS_PATH}/${platform.id}/edit` : `${PLATFORMS_PATH}/new`;
  return (
    <AdminLayout
      pc={pc}
      title={title}
      crumbs={[
        { label: PLATFORMS_TITLE, href: PLATFORMS_PATH },
        { label: platform ? platform.name : "Register" },
      ]}
    >
      <form method="post" action={action} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <TextField
          name="name"
          label={FIELD_LABELS.name}
          value={values.name}
          errors={errors}
          required
          maxLength={255}
          help="What this site calls the platform, e.g. the school's LMS."
        />
        {platform ? null : (
          <Fieldset legend="Tool details">
            <ToolDetailsFields tool={tool} />
          </Fieldset>
        )}
        <Fieldset legend="Platform details">
          <p class="help">From the platform's administrator. What is not known yet can be added later.</p>
          <PlatformDetailsFields values={values} errors={errors} />
        </Fieldset>
        {platform ? null : (
          <Fieldset legend="Deployments">
            <TextArea
              name="deploymentIds"
              label="Deployment IDs"
              value={values.deploymentIds}
              errors={errors}
              rows={3}
              help="One per line: the deployment_id of each place the platform deploys Pluto."
            />
          </Fieldset>
        )}
        <p class="actions">
          <button type="submit">{platform ? "Save changes" : "Register platform"}</button>{" "}
          <a href={platform ? `${PLATFORMS_PATH}/${platform.id}` : PLATFORMS_PATH}>Cancel</a>
        </p>
      </form>
    </AdminLayout>
  );
}

export function PlatformPage({
  pc,
  platform: p,
  tool,
  deploymentValue = "",
  problem,
}: {
  pc: PageContext;
  platform: Platform;
  tool: ToolDetails;
  /** The add-deployment field as typed, and why it was refused. */
  deploymentValue?: string;
  problem?: FormProblemInfo;
}) {
  const detail = (label: string, value: string) => (
    <>
      <dt>{label}</dt>
      <dd>{value === "" ? <span class="help">Not given</span> : <code>{value}</code>}</dd>
    </>
  );
  return (
    <AdminLayout
      pc={pc}
      title={`Platform ${p.name}`}
      crumbs={[{ label: PLATFORMS_TITLE, href: PLATFORMS_PATH }, { label: p.name }]}
    >
      <p>
        Status: <StatusText p={p} /> · <a href={`${PLATFORMS_PATH}/${p.id}/edit`}>Edit</a> ·{" "}
        <a href={`${PLATFORMS_PATH}/${p.id}/delete`}>Delete</a>
      </p>
      <h2>Tool details</h2>
      <ToolDetailsFields tool={tool} />
      <h2>Platform details</h2>
      <dl>
        {detail(FIELD_LABELS.issuer, p.issuer)}
        {detail(FIELD_LABELS.clientId, p.clientId)}
        {detail(FIELD_LABELS.authenticationRequestUrl, p.authenticationRequestUrl)}
        {detail(FIELD_LABELS.publicKeysetUrl, p.publicKeysetUrl)}
        {detail(FIELD_LABELS.accessTokenUrl, p.accessTokenUrl)}
        {p.authorizationServer ? detail(FIELD_LABELS.authorizationServer, p.authorizationServer) : null}
      </dl>
      <h2>Deployments</h2>
      {p.deployments.length === 0 ? (
        <p>No deployments yet: the platform cannot launch until one is added.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Deployments of {p.name}</caption>
          <thead>
            <tr>
              <th scope="col">Deployment ID</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {p.deployments.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  <code>{d.deploymentId}</code>
                </th>
                <td>
                  {d.inUse ? (
                    <span class="help">Has launched: kept with its history</span>
                  ) : (
                    <ActionButton
                      action={`${PLATFORMS_PATH}/${p.id}/deployments/${d.id}/remove`}
                      csrf={pc.csrf}
                      label={`Remove ${d.deploymentId}`}
                      confirm={`Remove deployment ${d.deploymentId} of ${p.name}?`}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action={`${PLATFORMS_PATH}/${p.id}/deployments`} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <TextField
          name="deploymentId"
          label="Deployment ID"
          value={deploymentValue}
          errors={problem?.fields}
          maxLength={255}
          help="Another deployment_id of this platform."
        />
        <p class="actions">
          <button type="submit">Add deployment</button>
        </p>
      </form>
    </AdminLayout>
  );
}

export function DeletePlatformPage({ pc, platform: p }: { pc: PageContext; platform: Platform }) {
  const used = p.deployments.filter((d) => d.inUse);
  return (
    <AdminLayout
      pc={pc}
      title="Delete platform"
      crumbs={[{ label: PLATFORMS_TITLE, href: PLATFORMS_PATH }, { label: "Delete" }]}
    >
      {used.length > 0 ? (
        <>
          <p role="alert">
            <strong>{p.name}</strong> cannot be deleted: deployment{" "}
            {used.map((d) => d.deploymentId).join(", ")} has launched, and the launch log, accounts and grades
            that came through it keep their history.
          </p>
          <p>
            <a href={`${PLATFORMS_PATH}/${p.id}`}>Back to {p.name}</a>
          </p>
        </>
      ) : (
        <>
          <p>
            Delete the platform <strong>{p.name}</strong> and its deployments? It has never launched, so no
            history goes with it.
          </p>
          <form method="post" action={`${PLATFORMS_PATH}/${p.id}/delete`} class="inline">
            <Csrf token={pc.csrf} />
            <button type="submit" class="danger">
              Delete
            </button>
          </form>{" "}
          <a href={`${PLATFORMS_PATH}/${p.id}`}>Cancel</a>
        </>
      )}
    </AdminLayout>
  );
}
