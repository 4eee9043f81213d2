// `npm run bench scale`: one node against two behind HAProxy (Debian's `haproxy`, HAPROXY_PATH), on
// PostgreSQL: the logged-in course page and a returning user's LTI launch, measured (1) on one node
// directly, (2) on one node behind the balancer, (3) on two nodes behind it. The server CPU per
// request adds up the CPU of every node (the balancer's own is printed apart), so it shows what a
// request costs the nodes, which the requests per second on a shared machine do not.
// BENCH_DURATION (seconds, default 10) sets the length of each measurement.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import pg from "pg";
import { type Balancer, startBalancer } from "../test/support/balancer.js";
import { baseLaunch, signLaunch } from "../test/support/lti11-consumer.js";
import { machine } from "./machine.js";
import type { BenchOptions } from "./options.js";
import { type BenchRow, printRows } from "./report.js";
import { call, cpuMs, freePort, login, PG_URL, pgReachable, type Site } from "./support.js";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 50;
const LAUNCH_USERS = 200;

interface Node {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** `node dist/main/cli.js serve` on `databaseUrl`, its public URL `publicUrl` (the balancer's). */
async function startNode(databaseUrl: string, publicUrl: string, token: string): Promise<Node> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["dist/main/cli.js", "serve"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      PLUTO_URL: publicUrl,
      DATABASE_URL: databaseUrl,
      PLUTO_ADMIN_PASSWORD: "bench-password",
      PLUTO_ADMIN_TOKEN: token,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 150) throw new Error(`the node on ${url} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** A course with a page, a logged-in student, and a published copy launched once by each user. */
async function prepare(site: Site) {
  const course = await call<{ id: number }>(site, "POST", "/courses", {
    fullname: "Scale course",
    shortname: `scale${Date.now()}`,
  });
  await call(site, "POST", `/courses/${course.id}/activities`, {
    type: "page",
    name: "Welcome",
    section: 0,
    settings: { content: "<p>Hello</p>" },
  });
  const student = await call<{ id: number }>(site, "POST", "/users", {
    username: "scale.student",
    password: "bench-password",
  });
  await call(site, "POST", `/courses/${course.id}/enrolments`, { userId: student.id, role: "student" });
  const cookie = await login(site, "scale.student", "bench-password");
  const page = await fetch(`${site.url}/course/${course.id}`, { headers: { cookie } });
  if (page.status !== 200 || !(await page.text()).includes(">Welcome</a>"))
    throw new Error(`the course page is not what a student sees (${page.status})`);
  const pub = await call<{ launchUrl: string; secret: string }>(
    site,
    "POST",
    `/courses/${course.id}/enrol-methods`,
    { method: "lti", name: "Scale consumer" },
  );
  return { courseId: course.id, cookie, pub };
}

let nonceSeq = 0;
function launchBodies(pub: { launchUrl: string; secret: string }, count: number): string[] {
  const ts = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) =>
    new URLSearchParams(
      signLaunch(
        pub.launchUrl,
        "scale-consumer",
        pub.secret,
        baseLaunch({ user_id: `scale-${i % LAUNCH_USERS}` }),
        { timestamp: ts, nonce: `scale-${process.pid}-${++nonceSeq}` },
      ),
    ).toString(),
  );
}

const cpuOf = (pids: Array<number | undefined>) => {
  let sum = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === undefined) return undefined;
    sum += ms;
  }
  return sum;
};

/** One measurement; `ok` is the status a good answer has; CPU per request of the nodes and the balancer. */
async function measure(
  label: string,
  opts: autocannon.Options,
  ok: number,
  nodePids: Array<number | undefined>,
  balancerPid: number | undefined,
): Promise<BenchRow> {
  const nodesBefore = cpuOf(nodePids);
  const lbBefore = cpuMs(balancerPid);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, timeout: 30, ...opts });
  const codes = (result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats;
  const good = codes[String(ok)]?.count ?? 0;
  const nodesAfter = cpuOf(nodePids);
  const lbAfter = cpuMs(balancerPid);
  const lb =
    lbBefore !== undefined && lbAfter !== undefined && good > 0
      ? `HAProxy ${((lbAfter - lbBefore) / good).toFixed(2)} ms/request`
      : undefined;
  return {
    bench: "scale",
    measure: label,
    engine: "postgres",
    load: `closed, ${CONNECTIONS} connections`,
    achieved: good / (result.duration || 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.requests.total - good + result.errors + result.timeouts,
    cpuMsPerRequest:
      nodesBefore !== undefined && nodesAfter !== undefined && good > 0
        ? (nodesAfter - nodesBefore) / good
        : undefined,
    ...(lb ? { note: lb } : {}),
  };
}

export async function run(options: BenchOptions): Promise<void> {
  const m = machine();
  if (!(await pgReachable())) {
    console.log(`scale: PostgreSQL at ${PG_URL} does not answer; several nodes need it (SQLite is one node)`);
    return;
  }
  const name = `pluto_bench_${randomBytes(4).toString("hex")}`;
  const adminClient = new pg.Client({ connectionString: PG_URL });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  await adminClient.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const databaseUrl = u.toString();
  const token = `bench_${randomBytes(24).toString("hex")}`;
  const lbPort = await freePort();
  const lbUrl = `http://127.0.0.1:${lbPort}`;
  const rows: BenchRow[] = [];
  const nodes: Node[] = [];
  let lb: Balancer | undefined;
  try {
    // Every node's PLUTO_URL is the balancer's: launches are signed for that URL.
    nodes.push(await startNode(databaseUrl, lbUrl, token));
    const first = nodes[0] as Node;
    const site: Site = { url: first.url, token, engine: "postgres", pid: first.pid, stop: async () => {} };
    const { courseId, cookie, pub } = await prepare(site);
    const path = new URL(pub.launchUrl).pathname;
    // Each user launches once first, so the measured launches are returning users'.
    await autocannon({
      url: first.url,
      connections: 10,
      amount: LAUNCH_USERS,
      requests: [
        {
          method: "POST",
          path,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          setupRequest: ((bodies) => {
            let i = 0;
            return (req: autocannon.Request) => ({ ...req, body: bodies[i++ % bodies.length] });
          })(launchBodies(pub, LAUNCH_USERS)),
        },
      ],
    });

    const round = async (setup: string, base: string, balancerPid: number | undefined) => {
      const pids = nodes.map((n) => n.pid);
      const page = { url: `${base}/course/${courseId}`, headers: { cookie } };
      await autocannon({ ...page, connections: CONNECTIONS, duration: 2 }); // warm-up
      rows.push(await measure(`${setup}: GET /course/:id`, page, 200, pids, balancerPid));
      // Launches/s at most ~1,000 each second for DURATION seconds: sign enough beforehand.
      const bodies = launchBodies(pub, Math.max(2000, DURATION * 1500));
      let next = 0;
      rows.push(
        await measure(
          `${setup}: launch, returning user`,
          {
            url: base,
            requests: [
              {
                method: "POST",
                path,
                headers: { "content-type": "application/x-www-form-urlencoded" },
                setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
              },
            ],
          },
          303,
          pids,
          balancerPid,
        ),
      );
    };

    await round("1 node, direct", first.url, undefined);
    lb = await startBalancer([new URL(first.url).host], { port: lbPort });
    await round("1 node behind HAProxy", lb.url, lb.pid);
    await lb.stop();
    nodes.push(await startNode(databaseUrl, lbUrl, token));
    lb = await startBalancer(
      nodes.map((n) => new URL(n.url).host),
      { port: lbPort },
    );
    await round("2 nodes behind HAProxy", lb.url, lb.pid);
  } finally {
    await lb?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
  printRows(rows, m, options.markdown);
}
