// Site admin → Integrations → External Sources / LTI: the site-wide external tools, their form and deletion.
import { AdminLayout } from "../../../views/admin-layout.js";
import { FormProblem, type FormProblemInfo } from "../../../views/form-problem.js";
import { Csrf, Fieldset } from "../../../views/forms.js";
import type { PageContext } from "../../../views/page-context.js";
import { PRIVACY_FIELDS, ToolFields, type ToolFieldUse } from "./tool-fields.js";
import { LAUNCH_CONTAINER_LABELS, type ToolType } from "./tool-types.service.js";

export const TOOLS_PATH = "/admin/lti/tools";
export const TOOLS_TITLE = "External Sources / LTI";

export function ToolTypesPage({ pc, tools }: { pc: PageContext; tools: ToolType[] }) {
  return (
    <AdminLayout pc={pc} title={TOOLS_TITLE} crumbs={[{ label: TOOLS_TITLE }]}>
      <p>
        External tools (LTI 1.1) that every course can add as an “External tool” activity. An activity whose
        tool URL has the same domain as one of these tools uses its consumer key and shared secret.
      </p>
      <p>
        <a href={`${TOOLS_PATH}/new`} class="button">
          Add an external tool
        </a>
      </p>
      {tools.length === 0 ? (
        <p>No site-wide external tools yet.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Site-wide external tools</caption>
          <thead>
            <tr>
              <th scope="col">Tool name</th>
              <th scope="col">Tool URL</th>
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
                <td>{t.consumerKey || "—"}</td>
                <td>{LAUNCH_CONTAINER_LABELS[t.launchContainer]}</td>
                <td>{t.showInPicker ? "Yes" : "No"}</td>
                <td>
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
};

const TOOL_SETTINGS: readonly ToolFieldUse[] = [
  { name: "name", help: "Left empty, the cartridge's title is used." },
  {
    name: "toolUrl",
    required: true,
    help: "The launch URL, or a Cartridge URL from which the launch URL, icons and custom parameters are read. Activities whose tool URL has this domain use this tool's key and secret.",
  },
  "description",
  "consumerKey",
  "sharedSecret",
  {
    name: "customParameters",
    help: "One name=value per line. They override an activity's own parameters of the same name.",
  },
  "iconUrl",
  "secureIconUrl",
  { name: "launchContainer", label: "Default launch container" },
  { name: "showInPicker", help: "It is always offered under “Preconfigured tool”." },
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
  const title = tool ? `Edit external tool ${tool.name}` : "Add an external tool";
  return (
    <AdminLayout
      pc={pc}
      title={title}
      crumbs={[{ label: TOOLS_TITLE, href: TOOLS_PATH }, { label: tool ? tool.name : "New tool" }]}
    >
      <form method="post" action={tool ? `${TOOLS_PATH}/${tool.id}/edit` : `${TOOLS_PATH}/new`} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <Fieldset legend="Tool settings">
          <ToolFields values={values} errors={errors} fields={TOOL_SETTINGS} />
        </Fieldset>
        <Fieldset legend="Privacy defaults">
          <p class="help">
            Activities using this tool start with these and may turn them off, never on: a box left off here
            is off for every activity using this tool, those already in courses too. The tool's key and secret
            are only sent to its launch URL's host.
          </p>
          <ToolFields values={values} errors={errors} fields={PRIVACY_FIELDS} />
        </Fieldset>
        <p class="actions">
          <button type="submit">{tool ? "Save changes" : "Add tool"}</button> <a href={TOOLS_PATH}>Cancel</a>
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
