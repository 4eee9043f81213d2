// `npm run demo [-- --wired]`: two independent Pluto sites on this machine — "Provider" on
// http://127.0.0.1:3000 and "Consumer" on http://127.0.0.2:3001 (two loopback addresses, so the
// embedded course is really cross-site for the browser), each with its own database under
// ./data/demo/. With --wired the whole guide is set up through the sites' own APIs: a published
// course with a page and a quiz on the provider, an External tool activity on the consumer
// configured from the provider's cartridge URL, key and secret, and a student enrolled on the
// consumer. SIGINT (Ctrl-C) or SIGTERM stops both sites as `pluto serve` stops, and the demo exits 0
// once both have; a site that stops by itself stops the other, and the demo exits 1.
// --data DIR, --provider-port N and --consumer-port N move the databases and the ports.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { randomPassword, randomToken } from "../shared/secrets.js";
import { makeProviderCourse } from "./demo-course.js";
import { type DemoSite, wireLti13 } from "./demo-lti13.js";

interface SiteSpec {
  name: string;
  host: string;
  port: number;
}

interface RunningSite extends SiteSpec, DemoSite {
  password: string;
  child: ChildProcess;
}

const CLI = fileURLToPath(new URL("./cli.js", import.meta.url));

/** Every site process started, up or not yet. */
const children: ChildProcess[] = [];
let stopping = false;
/** A site exited although no one asked it to. */
let siteFailed = false;

function stopSites(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
}

/** Resolves once every site has exited: 0 when each stopped cleanly (or before it was up). */
async function sitesExited(): Promise<number> {
  const ends = await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? { code: c.exitCode, signal: c.signalCode }
        : new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
            c.once("exit", (code, signal) => r({ code, signal })),
          ),
    ),
  );
  return ends.every((e) => e.code === 0 || e.signal === "SIGTERM") ? 0 : 1;
}

async function startSite(spec: SiteSpec, data: string): Promise<RunningSite> {
  const url = `http://${spec.host}:${spec.port}`;
  const password = randomPassword();
  const token = `demo_${randomToken(24)}`;
  const dbFile = join(data, `${spec.name.toLowerCase()}.db`);
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: {
      ...process.env,
      HOST: spec.host,
      PORT: String(spec.port),
      PLUTO_URL: url,
      DATABASE_URL: `sqlite:${dbFile}`,
      PLUTO_ADMIN_PASSWORD: password,
      PLUTO_ADMIN_TOKEN: token,
      // The two sites talk to each other on loopback addresses (cartridge, grades, members).
      PLUTO_OUTBOUND_ALLOW: "127.0.0.1,127.0.0.2",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  child.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(
      `demo: ${spec.name} stopped by itself (${signal ?? `exit code ${code}`}); stopping the other site`,
    );
    siteFailed = true;
    stopping = true;
    stopSites();
  });
  for (let i = 0; i < 150; i++) {
    if (stopping) throw new Error(`stopped while ${spec.name} was starting`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { ...spec, url, password, token, child };
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${spec.name} did not start at ${url}`);
}

async function call<T>(site: DemoSite, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${site.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${site.token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${site.name}: ${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A user of the consumer, enrolled in a course with a role; returns the password. */
async function consumerUser(
  consumer: RunningSite,
  courseId: number,
  u: { username: string; firstname: string; lastname: string },
  role: string,
): Promise<string> {
  const password = randomPassword(12);
  const user = await call<{ id: number }>(consumer, "POST", "/users", {
    ...u,
    password,
    email: `${u.username}@consumer.example`,
  });
  await call(consumer, "POST", `/courses/${courseId}/enrolments`, { userId: user.id, role });
  return password;
}

/** The guide, through the APIs: publish on the provider, embed on the consumer, enrol a student. */
async function wire(
  provider: RunningSite,
  consumer: RunningSite,
): Promise<{ student: string; studentPassword: string; activityUrl: string }> {
  const course = await makeProviderCourse(call, provider);
  const published = await call<{ cartridgeUrl: string; secret: string }>(
    provider,
    "POST",
    `/courses/${course.id}/enrol-methods`,
    {
      method: "lti",
      ltiVersion: "1.1",
      name: "Consumer site",
      publish: "course",
      defaults: {
        country: "GB",
        city: "London",
        timezone: "Europe/London",
        lang: "en",
        institution: "Consumer School",
      },
    },
  );

  const local = await call<{ id: number }>(consumer, "POST", "/courses", {
    fullname: "Science",
    shortname: "SCI",
  });
  const activity = await call<{ id: number; url: string }>(
    consumer,
    "POST",
    `/courses/${local.id}/activities`,
    {
      type: "lti",
      name: "Astronomy 101 (from the Provider)",
      section: 1,
      settings: {
        toolUrl: published.cartridgeUrl,
        consumerKey: "consumer-site",
        sharedSecret: published.secret,
        launchContainer: "embed",
        maxGrade: 100,
      },
    },
  );
  const studentPassword = await consumerUser(
    consumer,
    local.id,
    { username: "student", firstname: "Sam", lastname: "Student" },
    "student",
  );
  return { student: "student", studentPassword, activityUrl: activity.url };
}

/** --wired --lti13: the sites wired by LTI Advantage; what to open and click. */
async function wiredByLti13(provider: RunningSite, consumer: RunningSite): Promise<string[]> {
  const course = await makeProviderCourse(call, provider);
  const w = await wireLti13(call, provider, consumer, course);
  const courseId = Number(/\/course\/(\d+)$/.exec(w.consumerCourseUrl)?.[1]);
  const people = [
    { username: "teacher", firstname: "Tina", lastname: "Teacher", role: "editingteacher" },
    { username: "student", firstname: "Tess", lastname: "Student", role: "student" },
    { username: "student2", firstname: "Sam", lastname: "Student", role: "student" },
  ];
  const passwords: string[] = [];
  for (const { role, ...u } of people) passwords.push(await consumerUser(consumer, courseId, u, role));
  const [teacherPw, studentPw] = passwords;
  return [
    "",
    `  Wired by LTI 1.3 (LTI Advantage): the Consumer registered the Provider by Dynamic Registration`,
    `  (tool "${w.toolName}", deployment ${w.deploymentId}); the Provider publishes "Astronomy 101" with`,
    `  LTI version "LTI Advantage"; the Consumer's course "Science" has its quiz and its page as two links.`,
    `  - Log in on the Consumer as student / ${studentPw}, open ${w.quizUrl} and take the quiz in the frame.`,
    `    Then on the Provider as admin: Site admin → Tasks → "Run now" on lti_provider_grade_sync; the grade`,
    `    shows in the Consumer's Gradebook. "Run now" on lti_provider_member_sync enrols student2 (Sam) too.`,
    `  - Log in on the Consumer as teacher / ${teacherPw}: ${w.consumerCourseUrl} → Edit course material →`,
    `    Add course content → External tool → Preconfigured tool "${w.toolName}" → Select content.`,
  ];
}

function port(text: string | undefined, fallback: number): number {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`not a port number: ${text}`);
  return n;
}

/** Starts both sites (and wires them) and prints how to use them; throws when that fails. */
async function startDemo(): Promise<void> {
  const { values } = parseArgs({
    options: {
      wired: { type: "boolean" },
      lti13: { type: "boolean" },
      data: { type: "string" },
      "provider-port": { type: "string" },
      "consumer-port": { type: "string" },
    },
  });
  const wired = values.wired === true || process.env.npm_config_wired === "true";
  const lti13 = values.lti13 === true || process.env.npm_config_lti13 === "true";
  const data = resolve(values.data ?? "data/demo");
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  const sites: RunningSite[] = [];
  sites.push(
    await startSite({ name: "Provider", host: "127.0.0.1", port: port(values["provider-port"], 3000) }, data),
  );
  sites.push(
    await startSite({ name: "Consumer", host: "127.0.0.2", port: port(values["consumer-port"], 3001) }, data),
  );
  const [provider, consumer] = sites as [RunningSite, RunningSite];
  const where = values.data ?? "./data/demo";
  const lines = ["", `  Two Pluto sites are running (data in ${where}, wiped on each start):`, ""];
  for (const s of sites) lines.push(`  ${s.name.padEnd(9)} ${s.url}   admin / ${s.password}`);
  if (wired && lti13) {
    lines.push(...(await wiredByLti13(provider, consumer)));
  } else if (wired) {
    const w = await wire(provider, consumer);
    lines.push(
      "",
      '  Wired as in the guide: the Provider publishes "Astronomy 101"; the Consumer embeds it in "Science".',
      `  Log in on the Consumer as ${w.student} / ${w.studentPassword} and open ${w.activityUrl}`,
    );
  } else {
    lines.push(
      "",
      "  Follow the guide by hand, or restart with `npm run demo -- --wired` to have it set up.",
    );
  }
  lines.push("", "  Press Ctrl-C to stop both.", "");
  console.log(lines.join("\n"));
}

async function main(): Promise<number> {
  const onSignal = () => {
    if (stopping) return; // a terminal's Ctrl-C reaches npm, this process and the sites at once
    stopping = true;
    console.log("\nStopping both sites…");
    stopSites();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await startDemo();
  } catch (err) {
    // Once stopping, a failing start or wiring is only the sites going away.
    if (!stopping) {
      console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
      stopping = true;
      stopSites();
      await sitesExited();
      return 1;
    }
  }
  const code = await sitesExited();
  return siteFailed ? 1 : code;
}

main().then((code) => process.exit(code));
