// The README's architecture section draws the source tree; this keeps the drawing true: every folder
// under src/, every feature and every capability folder of the LTI features is named in it, and every
// folder it names under src/features/ exists.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Architecture"));
const tree = section.slice(
  section.indexOf("```\nsrc/"),
  section.indexOf("```", section.indexOf("```\nsrc/") + 3),
);

const dirsIn = (dir: string) =>
  readdirSync(join(ROOT, dir)).filter((name) => statSync(join(ROOT, dir, name)).isDirectory());

describe("the README's architecture tree", () => {
  it("is found in the architecture section", () => {
    assert.ok(tree.includes("features/"), "the architecture section has a tree starting at src/");
  });

  it("names every folder under src/ and every feature", () => {
    const missing = [...dirsIn("src"), ...dirsIn("src/features")].filter((d) => !tree.includes(`${d}/`));
    assert.deepEqual(missing, []);
  });

  it("names every capability folder of the LTI features", () => {
    const missing = ["lti-provider", "lti-consumer", "lti-common"]
      .flatMap((f) => dirsIn(`src/features/${f}`).map((d) => `${f}/${d}`))
      .filter((path) => !tree.includes(`${path.split("/")[1]}/`));
    assert.deepEqual(missing, []);
  });

  it("names no LTI capability folder that does not exist", () => {
    const lines = tree.split("\n");
    const start = lines.findIndex((l) => l.trim().startsWith("lti-provider/"));
    const named = lines
      .slice(start)
      .map((l) => l.match(/^ {6}([a-z0-9-]+)\//)?.[1])
      .filter((d): d is string => d !== undefined);
    const existing = new Set(["lti-provider", "lti-consumer"].flatMap((f) => dirsIn(`src/features/${f}`)));
    assert.ok(named.length >= 8, "the tree lists the LTI capability folders");
    assert.deepEqual(
      named.filter((d) => !existing.has(d)),
      [],
    );
  });
});
