// Server-side rendering: preact components to a string, escaped by default.
import type { JSX } from "preact";
import { renderToString } from "preact-render-to-string";

export function renderPage(vnode: JSX.Element): string {
  return `<!doctype html>${renderToString(vnode)}`;
}
