// Pluto's External tool launching a tool nobody here wrote, the RFC 5849-exact one: Debian's python3-lti
// (ToolProvider over oauthlib) in a real HTTP server on another loopback address. It validates the launch
// form Pluto renders, including custom parameter names that are prefixes of each other (which ims-lti, the
// other tool peer, cannot check: peers.md §1.3), and then python-lti's own outcome client sends
// replaceResult and readResult to Pluto's outcomes service: the grade lands in Pluto's gradebook.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { findActivityItem, findGrade } from "../../src/features/grades/grades.service.js";
import { api, type Client, startTestApp, type TestApp } from "../support/app.js";
import { testEngines } from "../support/db.js";
import { enrolAs, makeCourse } from "../support/factories.js";
import { freePort, postLaunch, readLaunchForm } from "../support/fake-lti-tool.js";
import { PYTHON, PYTHON_MISSING } from "../support/python.js";

const TOOL = fileURLToPath(new URL("../support/python_lti_tool.py", import.meta.url));
const available = spawnSync(PYTHON, ["-c", "import lti, oauthlib, requests_oauthlib"]).status === 0;
const KEY = "pluto-school";
const SECRET = "python-tool-secret";

interface PythonTool {
  origin: string;
  launches(): Promise<Array<{ valid: boolean; error: string | null; params: Record<string, string> }>>;
  grade(index: number, score: number): Promise<{ replace: Outcome; read: Outcome }>;
  close(): void;
}
interface Outcome {
  success: boolean;
  codeMajor: string;
  description: string;
  score: string | null;
}

async function startPythonTool(host: string): Promise<PythonTool> {
  const child: ChildProcess = spawn(PYTHON, [TOOL, host, KEY, SECRET], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`python tool exited (${code}): ${stderr}`)));
  });
  const origin = `http://${host}:${port}`;
  return {
    origin,
    launches: async () => (await fetch(`${origin}/launches`)).json() as ReturnType<PythonTool["launches"]>,
    grade: async (index, score) =>
      (
        await fetch(`${origin}/grade`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ index, score }),
        })
      ).json() as ReturnType<PythonTool["grade"]>,
    close: () => child.kill("SIGTERM"),
  };
}

// scripts/test.mjs installs python3-lti; without it this peer is missing and the suite must fail, not skip.
if (!available) throw new Error(PYTHON_MISSING);
const engines = testEngines();

for (const engine of engines) {
  describe(`Pluto's External tool launching python-lti's ToolProvider, which sends the grade back (${engine})`, () => {
    let t: TestApp;
    let tool: PythonTool;
    let activityId: number;
    let studentId: number;
    let student: Client;
    let teacher: Client;

    before(async () => {
      tool = await startPythonTool("127.0.0.2");
      const port = await freePort();
      t = await startTestApp(engine, {
        listen: { host: "127.0.0.1", port },
        config: { publicUrl: `http://127.0.0.1:${port}`, outboundAllow: ["127.0.0.2"] },
      });
      const course = await makeCourse(t, { fullname: "Physics", shortname: "PHYS" });
      const tina = await t.user("tina", { firstname: "Tina", lastname: "Teach" });
      const sam = await t.user("sam", { firstname: "Sam", lastname: "Student" });
      studentId = sam.id;
      await enrolAs(t, course.id, tina.id, "editingteacher");
      await enrolAs(t, course.id, sam.id, "student");
      const created = await api(
        t.app,
        await t.token(tina.id),
        "POST",
        `/api/v1/courses/${course.id}/activities`,
        {
          type: "lti",
          name: "Python tool",
          section: 1,
          settings: {
            toolUrl: `${tool.origin}/launch?tenant=abc`,
            consumerKey: KEY,
            sharedSecret: SECRET,
            customParameters: "x=plain\nx1=$User.id\nx-y=$Context.id",
            maxGrade: 20,
          },
        },
      );
      assert.equal(created.status, 201, created.body);
      activityId = (created.json as { id: number }).id;
      student = await t.client("sam");
      teacher = await t.client("tina");
    });
    after(async () => {
      await t?.close();
      tool?.close();
    });

    it("sends a learner's launch that python-lti validates, prefix-named custom parameters and URL query included", async () => {
      const form = readLaunchForm((await student.get(`/mod/lti/${activityId}/launch`)).body);
      assert.equal(form.action, `${tool.origin}/launch?tenant=abc`);
      const res = await postLaunch(form);
      assert.equal(res.status, 200, res.html);
      assert.match(res.html, /Launch OK/);
      const [launch] = await tool.launches();
      assert.ok(launch?.valid, launch?.error ?? "refused");
      assert.equal(launch.params.custom_x, "plain");
      assert.equal(launch.params.custom_x1, launch.params.user_id, "$User.id expanded");
      assert.equal(launch.params.custom_x_y, launch.params.context_id, "$Context.id expanded");
      assert.match(launch.params.roles ?? "", /Learner/);
      assert.equal(launch.params.tenant, undefined, "the query stays in the URL, not the form");

      // The verifier can say no: a field changed after signing is refused.
      const tampered = await postLaunch({ ...form, fields: { ...form.fields, custom_x: "changed" } });
      assert.equal(tampered.status, 401);
    });

    it("takes replaceResult and readResult from python-lti's outcome client into the gradebook, scaled to the maximum grade", async () => {
      const graded = await tool.grade(0, 0.85);
      assert.deepEqual(graded.replace.success, true, graded.replace.description);
      assert.deepEqual(graded.read.success, true, graded.read.description);
      assert.equal(Number(graded.read.score), 0.85);
      const item = await findActivityItem(t.ctx.db, activityId);
      assert.equal((await findGrade(t.ctx.db, item?.id ?? 0, studentId))?.grade, 17);
    });

    it("sends Instructor for the teacher, and python-lti validates that launch too", async () => {
      const form = readLaunchForm((await teacher.get(`/mod/lti/${activityId}/launch`)).body);
      const res = await postLaunch(form);
      assert.equal(res.status, 200, res.html);
      const launch = (await tool.launches()).at(-1);
      assert.ok(launch?.valid, launch?.error ?? "refused");
      assert.match(launch.params.roles ?? "", /Instructor/);
    });
  });
}
