// Serves a dependency-free module of src/ to the browser, so a page script runs the very code the server
// tests (Platform Storage's handler, src/lti/storage/platform-storage.ts) instead of a hand-made copy.
// The module's own file is read once: the compiled JavaScript when the server runs from dist/, or, under
// tsx, the TypeScript source with its types stripped (node:module stripTypeScriptTypes, whitespace in
// place of the types, so line and column numbers stay those of the source).
import { readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

/** The module's JavaScript, ready for a browser. Throws for a module that imports anything. */
export function browserModuleSource(moduleUrl: string): string {
  const path = fileURLToPath(moduleUrl);
  const text = readFileSync(path, "utf8");
  const js = /\.[cm]?ts$/.test(path) ? stripTypeScriptTypes(text, { mode: "strip" }) : text;
  // The browser would resolve an import against the served URL, not the module's place in src/.
  if (/^\s*import[\s{*"']|^\s*export\s[^;]*\sfrom\s/m.test(js))
    throw new Error(`${path} imports other modules: it cannot be served to the browser as it is`);
  // dist/ files name their source maps, which are not served.
  return js.replace(/^\/\/# sourceMappingURL=.*$/m, "");
}

/**
 * `GET urlPath` answers the module at `moduleUrl` (pass `import.meta.resolve("…/module.js")`, which
 * names the .ts file under tsx and the .js file in dist/) as JavaScript, cached like /static/ files.
 */
export function registerBrowserModule(app: FastifyInstance, urlPath: string, moduleUrl: string): void {
  let source: string | undefined;
  app.get(urlPath, async (_request, reply) => {
    source ??= browserModuleSource(moduleUrl);
    return reply
      .type("text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .header("x-content-type-options", "nosniff")
      .send(source);
  });
}
