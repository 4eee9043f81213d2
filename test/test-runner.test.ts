// `npm test` itself (scripts/test.mjs): a filter that selects nothing, and a peer pointed at a path
// that is not it, stop the run at once with a message saying what to do, before any test runs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { ROOT } from "./support/processes.js";

function runTests(args: string[], extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const k of Object.keys(env)) if (k.startsWith("NODE_TEST") || k === "NODE_OPTIONS") delete env[k];
  const r = spawnSync(process.execPath, ["scripts/test.mjs", ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm test", () => {
  it("fails, naming the filter, when a filter matches no test file", () => {
    const r = runTests(["src/features/no-such-feature"]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /no test file matches "src\/features\/no-such-feature"/);
    assert.match(r.out, /npm test -- src\/features\/users/, "says what a filter looks like");
    assert.doesNotMatch(r.out, /running \d+ test files/);
  });

  it("fails when one of several filters matches nothing, so a typo does not drop files unnoticed", () => {
    const r = runTests(["config.test", "cli.tset"]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /no test file matches "cli\.tset"\./);
    assert.doesNotMatch(r.out, /"config\.test"/);
  });

  const pointers: Array<[string, string, RegExp]> = [
    ["CHROMIUM_PATH", "test/browser/phone-width", /CHROMIUM_PATH=\/nonexistent\/chromium is not a Chromium/],
    [
      "PYTHON3_PATH",
      "test/interop/external-tool-python",
      /PYTHON3_PATH=\/nonexistent\/python3 is not a python3/,
    ],
    ["HAPROXY_PATH", "test/multi-node", /HAPROXY_PATH=\/nonexistent\/haproxy is not an haproxy executable/],
  ];
  for (const [variable, filter, message] of pointers) {
    it(`fails before running anything when ${variable} points at nothing usable`, () => {
      const path = `/nonexistent/${{ CHROMIUM_PATH: "chromium", PYTHON3_PATH: "python3" }[variable] ?? "haproxy"}`;
      const r = runTests([filter], { [variable]: path });
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, message);
      assert.doesNotMatch(r.out, /running \d+ test files/);
    });
  }
});
