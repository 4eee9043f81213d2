// The External tool fields are written once: the activity form and the site-wide tool form render a shared
// field with the same control, limits and label, whatever help each form adds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import type { PageContext } from "../../../views/page-context.js";
import { LtiSettingsFields } from "./lti-activity.js";
import { EMPTY_TOOL_FORM, ToolTypeFormPage } from "./tool-types.views.js";

const pc: PageContext = {
  actor: null,
  csrf: "token",
  embedded: false,
  flash: undefined,
  url: "/admin/lti/tools/new",
  siteName: "Pluto",
  timeZone: "UTC",
  siteTimeZone: "UTC",
  returnUrl: undefined,
};

const empty = { ...EMPTY_TOOL_FORM, launchContainer: "embed", shareName: true, shareEmail: true };
const activityForm = renderToString(
  h(LtiSettingsFields, { settings: { ...empty }, errors: undefined, toolTypes: [] }),
);
const toolForm = renderToString(h(ToolTypeFormPage, { pc, values: empty }));

/** The opening tag of the control named `name`, without the ids of its help and error texts. */
function control(html: string, name: string): string {
  const m = new RegExp(`<(input|select|textarea)[^>]* name="${name}"[^>]*>`).exec(html);
  assert.ok(m, `${name} is in the form`);
  return m[0].replace(/ aria-describedby="[^"]*"/, "");
}

describe("the External tool fields", () => {
  for (const name of [
    "consumerKey",
    "sharedSecret",
    "customParameters",
    "iconUrl",
    "secureIconUrl",
    "launchContainer",
    "shareName",
    "shareEmail",
    "acceptGrades",
  ]) {
    it(`render ${name} with the same control in the activity form and the site-wide tool form`, () => {
      assert.equal(control(activityForm, name), control(toolForm, name));
    });
  }

  it("mark the site-wide tool's URL as required, and not the activity's (a preconfigured tool may stand in)", () => {
    assert.match(control(toolForm, "toolUrl"), / required/);
    assert.doesNotMatch(control(activityForm, "toolUrl"), / required/);
  });
});
