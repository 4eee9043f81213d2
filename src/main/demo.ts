// `npm run demo [-- --wired]`: two independent Pluto sites on this machine — "Provider" on
// http://127.0.0.1:3000 and "Consumer" on http://127.0.0.2:3001 (two loopback addresses, so the
// embedded course is really cross-site for the browser), each with its own database under
// ./data/demo/. With --wired the whole guide is set up through the sites' own APIs: a published
// course with a page and a quiz on the provider, an External tool activity on the consumer
// configured from the provider's cartridge URL, key and secret, and a student enrolled on the
// consumer. Ctrl-C stops both.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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
const DATA = resolve("data/demo");

async function startSite(spec: SiteSpec): Promise<RunningSite> {
  const url = `http://${spec.host}:${spec.port}`;
  const password = randomPassword();
  const token = `demo_${randomToken(24)}`;
  const dbFile = join(DATA, `${spec.name.toLowerCase()}.db`);
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
  for (let i = 0; i < 150; i++) {
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

async function main() {
  const wired = process.argv.includes("--wired") || process.env.npm_config_wired === "true";
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const sites: RunningSite[] = [];
  const stop = () => {
    for (const s of sites) s.child.kill("SIGTERM");
  };
  process.once("SIGINT", () => {
    console.log("\nStopping both sites…");
    stop();
  });
  process.once("SIGTERM", stop);
  try {
    sites.push(await startSite({ name: "Provider", host: "127.0.0.1", port: 3000 }));
    sites.push(await startSite({ name: "Consumer", host: "127.0.0.2", port: 3001 }));
  } catch (err) {
    stop();
    throw err;
  }
  const [provider, consumer] = sites as [RunningSite, RunningSite];
  const lines = ["", "  Two Pluto sites are running (data in ./data/demo, wiped on each start):", ""];
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
  await Promise.all(sites.map((s) => new Promise((r) => s.child.once("exit", r))));
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
