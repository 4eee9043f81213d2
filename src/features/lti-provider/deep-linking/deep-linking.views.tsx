// The Deep Linking pages of Pluto-the-tool, inside the platform's frame: the picker (the published course and
// its activities, checkboxes when the platform takes several items, radio buttons when it takes one; "Add
// selected" and "Cancel") and the response page, a form posting the signed JWT to the platform's
// deep_link_return_url, sent at once by public/pluto.js (data-autosubmit) or by its button without scripts.
import { Layout } from "../../../views/layout.js";
import type { PageContext } from "../../../views/page-context.js";
import type { Offer } from "./deep-linking.service.js";
import type { OfferedItem } from "./offered-items.js";

/** The items grouped by course, in offer order, each with its index in the offer. */
function byCourse(
  items: readonly OfferedItem[],
): Array<{ name: string; items: Array<[number, OfferedItem]> }> {
  const groups = new Map<number, { name: string; items: Array<[number, OfferedItem]> }>();
  items.forEach((item, i) => {
    const name = item.activityId === undefined ? item.title : item.text;
    const g = groups.get(item.courseId) ?? { name, items: [] };
    g.items.push([i, item]);
    groups.set(item.courseId, g);
  });
  return [...groups.values()];
}

export function DeepLinkPickerPage(p: { pc: PageContext; action: string; offer: Offer }) {
  const { offer } = p;
  const type = offer.multiple ? "checkbox" : "radio";
  return (
    <Layout pc={p.pc} title="Select content from Pluto">
      {offer.title ? <p>{`For: ${offer.title}`}</p> : null}
      <form method="post" action={p.action}>
        <input type="hidden" name="token" value={offer.token} />
        {offer.items.length === 0 ? (
          <p role="status">Nothing is published with LTI Advantage on this site yet.</p>
        ) : (
          byCourse(offer.items).map((g) => (
            <fieldset>
              <legend>{g.name}</legend>
              {g.items.map(([i, item]) => {
                const id = `dl-item-${i}`;
                const what =
                  item.activityId === undefined
                    ? "The whole course"
                    : item.maxGrade === undefined
                      ? item.title
                      : `${item.title} (graded out of ${item.maxGrade})`;
                return (
                  <div class="field checkbox">
                    <input type={type} id={id} name="item" value={String(i)} />
                    <label for={id}>{what}</label>
                  </div>
                );
              })}
            </fieldset>
          ))
        )}
        <p>
          {offer.multiple
            ? "Choose one or more; each becomes a link in your course."
            : "Choose one; it becomes a link in your course."}
        </p>
        <div class="actions">
          {offer.items.length === 0 ? null : (
            <button type="submit" name="action" value="add">
              Add selected
            </button>
          )}
          <button type="submit" name="action" value="cancel">
            Cancel
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function DeepLinkResponsePage(p: { pc: PageContext; returnUrl: string; jwt: string; count: number }) {
  return (
    <Layout pc={p.pc} title="Returning to your course">
      <form method="post" action={p.returnUrl} data-autosubmit="" encType="application/x-www-form-urlencoded">
        <input type="hidden" name="JWT" value={p.jwt} />
        <p role="status">
          {p.count === 0 ? "Returning to your course…" : `Adding ${p.count} item(s) to your course…`}
        </p>
        <button type="submit">Continue to your course</button>
      </form>
    </Layout>
  );
}
