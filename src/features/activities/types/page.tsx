// Page: a piece of rich text. The HTML is sanitised when saved (and again when shown), so only
// harmless markup ever reaches a browser: no scripts, styles, event handlers or javascript: links.
import sanitizeHtml from "sanitize-html";
import { z } from "zod";
import { TextArea } from "../../../views/forms.js";
import type { ActivityType } from "../activity-types.js";

export const PAGE_CONTENT_MAX = 200_000;

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "h1", "h2"],
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    img: ["src", "alt", "title", "width", "height"],
    td: ["colspan", "rowspan"],
    th: ["colspan", "rowspan", "scope"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https", "data"] },
  transformTags: {
    // A link that opens a new tab must not hand the opener to the target.
    a: (tagName, attribs) => ({
      tagName,
      attribs: attribs.target ? { ...attribs, rel: "noopener noreferrer" } : attribs,
    }),
  },
};

export function sanitizePageHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE).trim();
}

export interface PageSettings extends Record<string, unknown> {
  content: string;
}

const pageSettingsSchema = z.object({
  content: z
    .string({ error: "Page content is required" })
    .max(PAGE_CONTENT_MAX, `Page content must be at most ${PAGE_CONTENT_MAX} characters`)
    .transform(sanitizePageHtml)
    .refine((v) => v.length > 0, "Page content is required"),
});

export const pageType: ActivityType<PageSettings> = {
  type: "page",
  label: "Page",
  description: "A page of text, images and links that students read.",
  gradable: false,
  settingsSchema: pageSettingsSchema,
  settingsFromForm: (body) => ({ content: body.content }),
  maxGrade: () => null,
  SettingsFields: ({ settings, errors }) => (
    <TextArea
      name="content"
      label="Page content"
      value={typeof settings.content === "string" ? settings.content : ""}
      errors={errors}
      rows={14}
      required
      help="HTML: headings, paragraphs, lists, links, images and tables are kept; scripts, styles and event handlers are removed when you save."
    />
  ),
  view: async ({ activity }) => (
    // Sanitised on save and again here.
    <div
      class="page-content"
      dangerouslySetInnerHTML={{ __html: sanitizePageHtml(String(activity.settings.content ?? "")) }}
    />
  ),
};
