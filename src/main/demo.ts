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

interface SiteSpec {
  name: string;
  host: string;
  port: number;
}

interface RunningSite extends SiteSpec {
  url: string;
  password: string;
  token: string;
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

async function call<T>(site: RunningSite, method: string, path: string, body?: unknown): Promise<T> {
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

/** The guide, through the APIs: publish on the provider, embed on the consumer, enrol a student. */
async function wire(
  provider: RunningSite,
  consumer: RunningSite,
): Promise<{ student: string; studentPassword: string; activityUrl: string }> {
  const course = await call<{ id: number }>(provider, "POST", "/courses", {
    fullname: "Astronomy 101",
    shortname: "ASTRO101",
    summary: "The solar system, published as an LTI tool.",
  });
  await call(provider, "POST", `/courses/${course.id}/activities`, {
    type: "page",
    name: "Welcome to Astronomy 101",
    section: 0,
    settings: {
      content:
        "<p>This course lives on the <strong>Provider</strong> site and is shown inside the Consumer's course.</p>",
    },
  });
  await call(provider, "POST", `/courses/${course.id}/activities`, {
    type: "quiz",
    name: "Planets quiz",
    section: 1,
    settings: {
      maxGrade: 10,
      questions: [
        { text: "Which planet is closest to the Sun?", choices: ["Venus", "Mercury", "Mars"], correct: 1 },
        { text: "Which planet has the most moons known?", choices: ["Saturn", "Earth"], correct: 0 },
      ],
    },
  });
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
  const studentPassword = randomPassword(12);
  const student = await call<{ id: number }>(consumer, "POST", "/users", {
    username: "student",
    password: studentPassword,
    email: "student@consumer.example",
    firstname: "Sam",
    lastname: "Student",
  });
  await call(consumer, "POST", `/courses/${local.id}/enrolments`, { userId: student.id, role: "student" });
  return { student: "student", studentPassword, activityUrl: activity.url };
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
      data: { type: "string" },
      "provider-port": { type: "string" },
      "consumer-port": { type: "string" },
    },
  });
  const wired = values.wired === true || process.env.npm_config_wired === "true";
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
  if (wired) {
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
