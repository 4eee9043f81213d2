// Reading server-rendered HTML like a browser would, for tests that fill the real forms: the
// controls a label names, a fieldset's content by its legend, and the fields a form would submit.

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}(?:="([^"]*)")?(?=[\\s/>]|$)`).exec(tag);
  if (!m) return undefined;
  return decode(m[1] ?? "");
}

export interface Control {
  kind: "input" | "select" | "textarea";
  id: string;
  name: string;
  type: string;
  value: string;
  checked: boolean;
  /** For a select: its options as [value, label, selected]. */
  options: Array<{ value: string; label: string; selected: boolean }>;
}

function controlFrom(tag: string, kind: Control["kind"], rest: string): Control {
  const options: Control["options"] = [];
  let value = attr(tag, "value") ?? "";
  if (kind === "select") {
    const body = rest.slice(0, rest.indexOf("</select>"));
    for (const m of body.matchAll(/<option([^>]*)>([^<]*)<\/option>/g)) {
      options.push({
        value: decode(attr(m[1] ?? "", "value") ?? ""),
        label: decode(m[2] ?? ""),
        selected: attr(m[1] ?? "", "selected") !== undefined,
      });
    }
    value = (options.find((o) => o.selected) ?? options[0])?.value ?? "";
  } else if (kind === "textarea") {
    value = decode(rest.slice(0, rest.indexOf("</textarea>")));
  }
  return {
    kind,
    id: attr(tag, "id") ?? "",
    name: attr(tag, "name") ?? "",
    type: attr(tag, "type") ?? (kind === "input" ? "text" : kind),
    value,
    checked: attr(tag, "checked") !== undefined,
    options,
  };
}

/** Every form control in `html`, in document order. */
export function controls(html: string): Control[] {
  const out: Control[] = [];
  for (const m of html.matchAll(/<(input|select|textarea)\b[^>]*>/g)) {
    const kind = m[1] as Control["kind"];
    out.push(controlFrom(m[0], kind, html.slice((m.index ?? 0) + m[0].length)));
  }
  return out;
}

/** The control a `<label for>` with exactly this text names; throws when there is none. */
export function labelled(html: string, label: string): Control {
  const m = new RegExp(`<label for="([^"]+)">${escapeRegExp(label)}</label>`).exec(html);
  if (!m) throw new Error(`no label "${label}"`);
  const control = controls(html).find((c) => c.id === m[1]);
  if (!control) throw new Error(`label "${label}" names no control (#${m[1]})`);
  return control;
}

/** The HTML between a legend and the next legend named in `until` (or the end of the form). */
export function section(html: string, legend: string, until?: string): string {
  const start = html.indexOf(`<legend>${legend}</legend>`);
  if (start < 0) throw new Error(`no section "${legend}"`);
  const end = until ? html.indexOf(`<legend>${until}</legend>`, start) : html.indexOf("</form>", start);
  if (end < 0) throw new Error(`section "${legend}" has no end`);
  return html.slice(start, end);
}

/** The first form whose action matches, and the fields a browser would submit from it unchanged. */
export function readForm(html: string, action: RegExp): { action: string; fields: Record<string, string> } {
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const formAction = attr(m[1] ?? "", "action") ?? "";
    if (!action.test(formAction)) continue;
    const fields: Record<string, string> = {};
    for (const c of controls(m[2] ?? "")) {
      if (!c.name) continue;
      if (c.kind === "input" && (c.type === "checkbox" || c.type === "radio") && !c.checked) continue;
      if (c.kind === "input" && (c.type === "submit" || c.type === "button")) continue;
      fields[c.name] = c.value;
    }
    return { action: formAction, fields };
  }
  throw new Error(`no form with action ${action}`);
}
