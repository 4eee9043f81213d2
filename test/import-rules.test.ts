// The import arrows are a lint rule (biome.json, noRestrictedImports per folder). This test plants a
// file breaking each arrow into a scratch copy of the tree's lint configuration and checks that Biome
// refuses it, and that a file keeping to the rules passes, so the rules cannot silently stop working.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";

const ROOT = resolve(import.meta.dirname, "..");
const BIOME = join(ROOT, "node_modules", ".bin", "biome");

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string };
}

const PLANTED: Array<[string, string, string]> = [
  [
    "a service importing Fastify",
    "src/features/grades/planted.service.ts",
    'import type { FastifyRequest } from "fastify";',
  ],
  [
    "a service importing src/http/",
    "src/features/grades/planted.service.ts",
    'import { requireActor } from "../../http/access.js";',
  ],
  [
    "a repository importing a view",
    "src/features/grades/planted.repository.ts",
    'import { sendPage } from "../../views/send-page.js";',
  ],
  [
    "a service importing a routes file",
    "src/features/grades/planted.service.ts",
    'import { x } from "./grades.routes.js";',
  ],
  [
    "a job importing src/http/",
    "src/jobs/planted.ts",
    'import type { RouteRegistrar } from "../http/app.js";',
  ],
  [
    "the application context importing src/http/",
    "src/app/planted.ts",
    'import { STATUS } from "../http/status.js";',
  ],
  [
    "a feature importing another feature's repository",
    "src/features/grades/planted.ts",
    'import { findUserById } from "../users/users.repository.js";',
  ],
  [
    "an activity type importing another feature's repository",
    "src/features/activities/types/planted.ts",
    'import { findGrade } from "../../grades/grades.repository.js";',
  ],
  [
    "a capability sub-folder file importing another feature's repository",
    "src/features/lti-provider/launch/planted.ts",
    'import { findEnrolment } from "../../enrolments/enrolments.repository.js";',
  ],
  [
    "a capability sub-folder service importing another feature's repository",
    "src/features/lti-provider/launch/planted.service.ts",
    'import { findEnrolment } from "../../enrolments/enrolments.repository.js";',
  ],
  [
    "a capability sub-folder repository importing another feature's sub-folder repository",
    "src/features/lti-consumer/tools/planted.repository.ts",
    'import { findGrant } from "../../lti-provider/accounts/accounts.repository.js";',
  ],
  [
    "a feature file importing another feature's sub-folder repository",
    "src/features/grades/planted.ts",
    'import { findGrant } from "../lti-provider/accounts/accounts.repository.js";',
  ],
  [
    "a capability sub-folder service importing src/http/",
    "src/features/lti-consumer/services/planted.service.ts",
    'import { requireActor } from "../../../http/access.js";',
  ],
  [
    "a capability sub-folder repository importing a view",
    "src/features/lti-provider/grade-sync/planted.repository.ts",
    'import { sendPage } from "../../../views/send-page.js";',
  ],
  [
    "protocol code importing the database",
    "src/lti/v1p1/planted.ts",
    'import type { Db } from "../../db/database.js";',
  ],
  [
    "top-level protocol code importing a feature",
    "src/lti/planted.ts",
    'import { x } from "../features/users/users.service.js";',
  ],
  ["protocol code importing Kysely", "src/lti/v1p1/planted.ts", 'import { sql } from "kysely";'],
];

const CLEAN: Array<[string, string]> = [
  ["src/features/grades/clean.service.ts", 'import { findUserById } from "../users/users.service.js";'],
  ["src/features/grades/clean.routes.ts", 'import { requireActor } from "../../http/access.js";'],
  ["src/lti/v1p1/clean.ts", 'import { LtiError } from "../errors.js";'],
  [
    "src/features/lti-provider/launch/clean.service.ts",
    'import { findPublication } from "../publications/publications.repository.js";',
  ],
  [
    "src/features/lti-provider/launch/clean.repository.ts",
    'import { findEnrolment } from "../../enrolments/enrolments.service.js";',
  ],
  [
    "src/features/lti-provider/clean.tasks.ts",
    'import { x } from "./grade-sync/grade-claims.repository.js";',
  ],
  [
    "src/features/lti-consumer/services/clean.routes.ts",
    'import { requireActor } from "../../../http/access.js";',
  ],
];

/** Lints one file at `path` in a scratch tree with the project's lint configuration. */
function lint(scratch: string, path: string, importLine: string): Diagnostic[] {
  const dir = mkdtempSync(join(scratch, "case-"));
  writeFileSync(join(dir, "biome.json"), readFileSync(join(scratch, "biome.json")));
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${importLine}\n\nexport const used = [${importLine.match(/\{ (?:type )?(\w+)/)?.[1] ?? "0"}];\n`,
  );
  const r = spawnSync(BIOME, ["lint", "--reporter=json", path], { cwd: dir, encoding: "utf8" });
  const json = r.stdout.slice(r.stdout.indexOf("{"));
  const out = JSON.parse(json) as { diagnostics: Diagnostic[] };
  return out.diagnostics.filter((d) => d.category === "lint/style/noRestrictedImports");
}

describe("import rules (biome.json)", () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), "pluto-imports-"));
    const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8")) as Record<string, unknown>;
    delete config.vcs; // the scratch tree is no git checkout
    writeFileSync(join(scratch, "biome.json"), JSON.stringify(config));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const [what, path, line] of PLANTED) {
    it(`refuses ${what}`, () => {
      const found = lint(scratch, path, line);
      assert.equal(found.length, 1, `expected one noRestrictedImports error in ${path}`);
    });
  }

  for (const [path, line] of CLEAN) {
    it(`accepts ${path} importing what it may`, () => {
      assert.deepEqual(lint(scratch, path, line), []);
    });
  }
});
