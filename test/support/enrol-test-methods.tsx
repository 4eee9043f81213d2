// Enrolment methods that exist only in tests: "test-open" (several instances per course, a
// setting "welcome" in its own form section) and "test-layout" (its own layout that puts the common
// fields in a section of its own, as "Publish as LTI tool" does). Importing registers them once.
import { z } from "zod";
import { findEnrolMethod, registerEnrolMethod } from "../../src/features/enrolments/enrol-methods.js";
import { ValidationError } from "../../src/shared/errors.js";
import { parseInput } from "../../src/shared/validation.js";
import { Fieldset, TextField } from "../../src/views/forms.js";

const welcome = z.object({
  welcome: z.string().trim().max(50, "Welcome message must be at most 50 characters").default(""),
});

if (!findEnrolMethod("test-open")) {
  registerEnrolMethod({
    key: "test-open",
    label: "Test open enrolment",
    multiple: true,
    commonLegend: "General settings",
    parseForm: (body) => parseInput(welcome, body),
    parseApi: (body, _ctx, _courseId, existing) => ({
      ...existing?.settings,
      ...parseInput(welcome.partial(), body),
    }),
    FormSections: ({ values, errors }) => (
      <Fieldset legend="Welcome">
        <TextField
          name="welcome"
          label="Welcome message"
          value={typeof values.welcome === "string" ? values.welcome : ""}
          errors={errors}
        />
      </Fieldset>
    ),
    present: (_ctx, instance) => ({ welcome: instance.settings.welcome ?? "" }),
  });
}

if (!findEnrolMethod("test-layout")) {
  registerEnrolMethod({
    key: "test-layout",
    label: "Test custom layout",
    multiple: false,
    commonLabels: { role: "Role for learners" },
    parseForm: () => ({}),
    parseApi: () => ({}),
    loadFormData: async () => ({ tools: ["Course"] }),
    FormLayout: ({ common, data }) => (
      <>
        <Fieldset legend="Publish as test tool">
          {common.name}
          <p class="tool-to-publish">{(data.tools as string[]).join(", ")}</p>
          {common.enrolPeriod}
          {common.enrolStart}
          {common.enrolEnd}
          {common.maxEnrolled}
          {common.role}
        </Fieldset>
        <Fieldset legend="Remote system">{common.status}</Fieldset>
      </>
    ),
  });
}

/** Every hook call of "test-hooks", in order: "create:ID", "update:ID", "delete:ID". */
export const hookCalls: string[] = [];

if (!findEnrolMethod("test-hooks")) {
  const flags = z.object({ explode: z.boolean().default(false) });
  registerEnrolMethod({
    key: "test-hooks",
    label: "Test hooks",
    multiple: true,
    parseForm: () => ({}),
    parseApi: (body) => parseInput(flags, { explode: body.explode }),
    onCreate: async (_trx, _ctx, instance) => {
      if (instance.settings.explode)
        throw new ValidationError("exploded on create", [{ field: "explode", message: "exploded" }]);
      hookCalls.push(`create:${instance.id}`);
    },
    onUpdate: async (_trx, _ctx, instance) => {
      if (instance.settings.explode)
        throw new ValidationError("exploded on update", [{ field: "explode", message: "exploded" }]);
      hookCalls.push(`update:${instance.id}`);
    },
    onDelete: async (_trx, _ctx, instance) => {
      hookCalls.push(`delete:${instance.id}`);
    },
  });
}
