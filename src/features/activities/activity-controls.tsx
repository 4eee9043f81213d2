// The editing-mode controls beside each activity on the course page: edit, hide/show, move, delete.
// Plain forms and links, so they work without JavaScript; every control names its activity for
// screen readers.
import type { ComponentChildren } from "preact";
import { Csrf } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import type { Section } from "../courses/courses.service.js";
import type { Activity } from "./activity-types.js";

function PostButton({
  pc,
  action,
  fields,
  children,
}: {
  pc: PageContext;
  action: string;
  fields: Record<string, string>;
  children: ComponentChildren;
}) {
  return (
    <form method="post" action={action} class="inline">
      <Csrf token={pc.csrf} />
      {Object.entries(fields).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <button type="submit" class="secondary small">
        {children}
      </button>
    </form>
  );
}

export function ActivityControls({
  pc,
  activity,
  sections,
  first,
  last,
}: {
  pc: PageContext;
  activity: Activity;
  sections: readonly Section[];
  first: boolean;
  last: boolean;
}) {
  const base = `/mod/${activity.id}`;
  const hidden = <span class="visually-hidden"> {activity.name}</span>;
  const selectId = `move-${activity.id}`;
  return (
    <div class="activity-controls">
      <a href={`${base}/edit`} class="button secondary small">
        Edit{hidden}
      </a>
      <PostButton pc={pc} action={`${base}/visibility`} fields={{ visible: activity.visible ? "0" : "1" }}>
        {activity.visible ? "Hide" : "Show"}
        {hidden}
      </PostButton>
      {first ? null : (
        <PostButton pc={pc} action={`${base}/move`} fields={{ direction: "up" }}>
          Move up{hidden}
        </PostButton>
      )}
      {last ? null : (
        <PostButton pc={pc} action={`${base}/move`} fields={{ direction: "down" }}>
          Move down{hidden}
        </PostButton>
      )}
      {sections.length > 1 ? (
        <form method="post" action={`${base}/move`} class="inline">
          <Csrf token={pc.csrf} />
          <label for={selectId} class="visually-hidden">
            Move {activity.name} to section
          </label>
          <select id={selectId} name="section" class="move-select">
            {sections.map((s) => (
              <option key={s.id} value={String(s.position)} selected={s.id === activity.sectionId}>
                {s.name}
              </option>
            ))}
          </select>
          <button type="submit" class="secondary small">
            Move to section{hidden}
          </button>
        </form>
      ) : null}
      <a href={`${base}/delete`} class="button danger small">
        Delete{hidden}
      </a>
    </div>
  );
}
