// Two Pluto nodes behind a real load balancer (HAProxy, test/support/balancer.ts) on one PostgreSQL
// database, as a site with several nodes runs: what one node writes, the other reads. PostgreSQL only:
// SQLite is one node by design (one file on one machine; DESIGN.md), and test/multi-process.test.ts
// covers two processes on one SQLite file.
// - a session made through the balancer works on both nodes, and the balancer alternates between them;
// - LTI state crosses nodes: a provider launch's hand-off and nonce, a consumer launch's sourcedid;
// - grades set through the balancer are each sent once with both nodes' workers running;
// - the database ending every connection of both nodes under load: both stay up, answer 503 at worst,
//   then 200 without a restart;
// - kill -9 of one node under load: every GET through the balancer is answered 2xx (HAProxy retries it
//   on the other node), and every grade queued before the kill reaches the consumer.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { DatabaseHandle } from "../src/db/database.js";
import { signBodyHashRequest } from "../src/lti/v1p1/oauth-body-hash.js";
import { buildReplaceResultRequest, parseOutcomeResponse } from "../src/lti/v1p1/outcomes.js";
import { iso } from "../src/shared/clock.js";
import { type Balancer, NODE_HEADER, startBalancer } from "./support/balancer.js";
import { CookieBrowser } from "./support/cookie-browser.js";
import { testEngines } from "./support/db.js";
import { baseLaunch, signLaunch, verifyPox } from "./support/lti11-consumer.js";
import {
  cleanEnv,
  exited,
  freePort,
  type ProcessDatabase,
  processDatabase,
  type ServerProcess,
  startServer,
  waitFor,
} from "./support/processes.js";

const TOKEN = "multi-node-test-admin-token-0123456789";
const PASSWORD = "multi-node-admin-password";

interface Published {
  id: number;
  launchUrl: string;
  secret: string;
}

/** A consumer's outcome service: each replaceResult it answered, and whether the node got the answer. */
interface Outcomes {
  url: string;
  received: Array<{ sourcedId: string; score: number; valid: boolean; answered: boolean }>;
  /** While set, answers wait for it (sends stay in flight). */
  gate: Promise<void> | undefined;
  /** Each answer waits this long (a consumer slow enough that both nodes' workers get sends). */
  delayMs: number;
  close(): Promise<void>;
}

async function startOutcomes(secret: string): Promise<Outcomes> {
  const o: Outcomes = { url: "", received: [], gate: undefined, delayMs: 0, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const valid = verifyPox(`${o.url}${req.url}`, secret, String(req.headers.authorization ?? ""), body);
    const entry = {
      sourcedId: /<sourcedId>([^<]*)</.exec(body)?.[1] ?? "",
      score: Number(/<textString>([^<]*)</.exec(body)?.[1]),
      valid,
      answered: false,
    };
    o.received.push(entry);
    if (o.gate) await o.gate;
    if (o.delayMs) await sleep(o.delayMs);
    if (req.socket.destroyed) return; // the node that sent it is gone
    const ref = /<imsx_messageIdentifier>([^<]*)</.exec(body)?.[1] ?? "";
    res
      .writeHead(200, { "content-type": "application/xml" })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"><imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>r1</imsx_messageIdentifier><imsx_statusInfo><imsx_codeMajor>${valid ? "success" : "failure"}</imsx_codeMajor><imsx_severity>status</imsx_severity><imsx_description>ok</imsx_description><imsx_messageRefIdentifier>${ref}</imsx_messageRefIdentifier><imsx_operationRefIdentifier>replaceResult</imsx_operationRefIdentifier></imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody><replaceResultResponse/></imsx_POXBody></imsx_POXEnvelopeResponse>`,
      );
    entry.answered = true;
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  o.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  o.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return o;
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** Runs `worker` in `n` loops until `stop()` says so; counts the outcomes it returns. */
async function load(n: number, worker: (i: number) => Promise<string>, stop: () => boolean) {
  const counts = new Map<string, number>();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (!stop()) {
        let key: string;
        try {
          key = await worker(i);
        } catch (err) {
          key = `network error: ${(err as Error).cause ?? err}`;
        }
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }),
  );
  return Object.fromEntries(counts);
}

for (const engine of testEngines().filter((e) => e === "postgres")) {
  describe(`two Pluto nodes behind HAProxy on one ${engine} database`, () => {
    const appName = `pluto_nodes_${randomBytes(4).toString("hex")}`;
    let pdb: ProcessDatabase;
    let db: DatabaseHandle;
    let admin: pg.Client;
    let nodes: ServerProcess[] = [];
    let lb: Balancer;
    let outcomes: Outcomes;
    let courseId = 0;
    let quizId = 0;
    let pub: Published;

    const api = async (base: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, res };
    };
    const created = async <T>(base: string, path: string, body: unknown): Promise<T> => {
      const r = await api(base, "POST", path, body);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json as T;
    };

    /** Posts a signed launch of the published course to `base` as remote user `remoteId`. */
    const launch = (base: string, remoteId: string, browser = new CookieBrowser()) => {
      const form = signLaunch(
        pub.launchUrl,
        "consumer",
        pub.secret,
        baseLaunch({
          user_id: remoteId,
          lis_outcome_service_url: `${outcomes.url}/outcomes`,
          lis_result_sourcedid: `sid-${remoteId}`,
        }),
      );
      return { form, send: () => postForm(browser, `${base}${new URL(pub.launchUrl).pathname}`, form) };
    };
    const postForm = (browser: CookieBrowser, url: string, form: Record<string, string>) =>
      browser.request(url, { exactForm: form }).then(async (res) => {
        await res.arrayBuffer();
        return res;
      });

    const remoteUser = async (remoteId: string) =>
      (
        await db.db
          .selectFrom("lti_user_links")
          .select("user_id")
          .where("remote_user_id", "=", remoteId)
          .executeTakeFirstOrThrow()
      ).user_id;

    before(async () => {
      pdb = await processDatabase("postgres");
      db = pdb.open();
      admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      const lbPort = await freePort();
      const env = cleanEnv({
        DATABASE_URL: `${pdb.url}&application_name=${appName}`,
        LOG_LEVEL: "warn",
        PLUTO_URL: `http://127.0.0.1:${lbPort}`,
        PLUTO_ADMIN_PASSWORD: PASSWORD,
        PLUTO_ADMIN_TOKEN: TOKEN,
        PLUTO_OUTBOUND_ALLOW: "127.0.0.1",
        PLUTO_SHUTDOWN_TIMEOUT_MS: "2000",
      });
      // Both start at once: migrations on a fresh database are safe to race.
      nodes = await Promise.all([startServer(env), startServer(env)]);
      lb = await startBalancer(
        nodes.map((n) => new URL(n.url).host),
        { port: lbPort },
      );
      const course = await created<{ id: number }>(lb.url, "/courses", {
        fullname: "Many nodes",
        shortname: "NODES",
      });
      courseId = course.id;
      quizId = (
        await created<{ id: number }>(lb.url, `/courses/${courseId}/activities`, {
          type: "quiz",
          name: "Quiz",
          section: 1,
          settings: { maxGrade: 10, questions: [{ text: "1+1?", choices: ["2", "3"], correct: 0 }] },
        })
      ).id;
      pub = await created<Published>(lb.url, `/courses/${courseId}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
        name: "Consumer",
      });
      outcomes = await startOutcomes(pub.secret);
    });
    after(async () => {
      await lb?.stop();
      await Promise.all(nodes.map((n) => n.stop()));
      await outcomes?.close();
      await admin?.end();
      await db?.close();
      await pdb?.drop();
    });

    it("serves a session made through the balancer on both nodes, alternating between them", async () => {
      const browser = new CookieBrowser();
      await browser.page(`${lb.url}/login`);
      const login = await browser.request(`${lb.url}/login`, {
        form: { username: "admin", password: PASSWORD },
      });
      assert.equal(login.status, 303, "logged in through the balancer");
      const served: string[] = [];
      for (let i = 0; i < 6; i++) {
        const p = await browser.page(`${lb.url}/profile`);
        assert.equal(p.status, 200);
        assert.match(p.html, /Username: <strong>admin<\/strong>/);
        served.push(p.headers.get(NODE_HEADER) ?? "");
      }
      assert.deepEqual(new Set(served), new Set(["node0", "node1"]), `served by ${served.join(", ")}`);
      for (const node of nodes) assert.equal((await browser.page(`${node.url}/profile`)).status, 200);
      // A form one node rendered is accepted by the other: the CSRF token belongs to the session.
      await browser.page(`${nodes[0]?.url}/profile`);
      const saved = await browser.request(`${nodes[1]?.url}/profile`, {
        form: { firstname: "Many", lastname: "Nodes" },
      });
      assert.equal(saved.status, 303);
      assert.match((await browser.page(`${nodes[0]?.url}/profile`)).html, /value="Many"/);
      const logout = await browser.request(`${lb.url}/logout`, { form: {} });
      assert.equal(logout.status, 303);
      for (const node of nodes) assert.equal((await browser.page(`${node.url}/profile`)).status, 401);
    });

    it("continues on node B a provider launch made on node A, once, and refuses its replay on B", async () => {
      const [a, b] = nodes as [ServerProcess, ServerProcess];
      // With the session cookie the launch set: the hand-off made on A is consumed on B.
      const browser = new CookieBrowser();
      const first = launch(a.url, "crossing-1", browser);
      const res = await first.send();
      assert.equal(res.status, 303);
      const next = res.headers.get("location") ?? "";
      assert.match(next, /^\/enrol\/lti\/continue\//);
      const cont = await browser.request(`${b.url}${next}`);
      assert.equal(cont.status, 303, "the hand-off made on A is found on B");
      const target = cont.headers.get("location") ?? "";
      assert.equal((await browser.page(`${b.url}${target}`)).status, 200, `the course opens on B: ${target}`);
      assert.equal((await browser.request(`${a.url}${next}`)).status, 404, "used on B, gone on A");
      // The same signed launch again, on the other node: its nonce was recorded by A.
      const replay = await postForm(
        new CookieBrowser(),
        `${b.url}${new URL(pub.launchUrl).pathname}`,
        first.form,
      );
      assert.equal(replay.status, 401, "the replayed nonce is refused on B");

      // Without cookies (a frame that keeps none): the new-window hand-off made on A opens on B once.
      const second = await launch(a.url, "crossing-2").send();
      const token = /\/enrol\/lti\/continue\/(.+)$/.exec(second.headers.get("location") ?? "")?.[1];
      assert.ok(token);
      const fresh = new CookieBrowser();
      const handoff = await fresh.request(`${b.url}/enrol/lti/handoff/${token}`);
      assert.equal(handoff.status, 303);
      assert.equal((await fresh.page(`${a.url}/profile`)).status, 200, "the session made on B works on A");
      assert.equal((await new CookieBrowser().request(`${a.url}/enrol/lti/handoff/${token}`)).status, 404);
    });

    it("accepts on node B the grade of a tool launched from node A, and refuses its replay on A", async () => {
      const [a, b] = nodes as [ServerProcess, ServerProcess];
      // A course of its own: the tool's grade is not part of the published course's total.
      const other = await created<{ id: number }>(lb.url, "/courses", {
        fullname: "Tools",
        shortname: "TOOLS",
      });
      const tool = await created<{ id: number }>(lb.url, `/courses/${other.id}/activities`, {
        type: "lti",
        name: "External tool",
        section: 1,
        settings: {
          toolUrl: "http://127.0.0.1:9/launch",
          consumerKey: "tool-key",
          sharedSecret: "tool-secret",
          maxGrade: 20,
        },
      });
      const student = await created<{ id: number }>(lb.url, "/users", {
        username: "nodes.student",
        password: "student-password",
      });
      await created(lb.url, `/courses/${other.id}/enrolments`, { userId: student.id, role: "student" });
      const browser = new CookieBrowser();
      await browser.page(`${lb.url}/login`);
      const login = await browser.request(`${lb.url}/login`, {
        form: { username: "nodes.student", password: "student-password" },
      });
      assert.equal(login.status, 303);
      const page = await browser.page(`${a.url}/mod/lti/${tool.id}/launch`);
      assert.equal(page.status, 200);
      const fields = Object.fromEntries(
        [...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
          m[1] ?? "",
          unescapeHtml(m[2] ?? ""),
        ]),
      );
      const sourcedId = fields.lis_result_sourcedid ?? "";
      assert.ok(sourcedId, "the launch carries a sourcedid");
      const serviceUrl = fields.lis_outcome_service_url ?? "";
      assert.equal(
        serviceUrl,
        `${lb.url}/lti/outcomes`,
        "the outcome service is the site's, behind the balancer",
      );
      const body = buildReplaceResultRequest({ sourcedId, score: 0.75, messageIdentifier: "m-1" });
      const { authorization } = signBodyHashRequest({
        url: serviceUrl,
        body,
        consumerKey: "tool-key",
        secret: "tool-secret",
      });
      const post = (base: string) =>
        fetch(`${base}/lti/outcomes`, {
          method: "POST",
          headers: { "content-type": "application/xml", authorization },
          body,
        });
      const onB = await post(b.url);
      assert.equal(onB.status, 200);
      assert.equal(parseOutcomeResponse(await onB.text()).codeMajor, "success");
      const grades = (await api(a.url, "GET", `/courses/${other.id}/grades`)).json as unknown as Array<{
        userId: number;
        activityId: number;
        grade: number;
      }>;
      assert.equal(grades.find((g) => g.userId === student.id && g.activityId === tool.id)?.grade, 15);
      const onA = await post(a.url);
      assert.equal(onA.status, 401, "the nonce B recorded is refused on A");
      assert.notEqual(parseOutcomeResponse(await onA.text()).codeMajor, "success");
    });

    /** Sets the quiz grade of each user through the balancer. */
    async function grade(users: number[], value: (i: number) => number, pauseMs = 0) {
      for (const [i, userId] of users.entries()) {
        if (pauseMs) await sleep(pauseMs);
        const r = await api(lb.url, "PUT", `/activities/${quizId}/grades/${userId}`, {
          grade: value(i),
          feedback: "",
        });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      }
    }
    const sends = () =>
      db.db.selectFrom("jobs").selectAll().where("name", "=", "lti_provider_send_grade").execute();
    const users: number[] = [];

    it("sends each grade set through the balancer once, with both nodes' workers running", async () => {
      for (let i = 0; i < 16; i++) {
        const res = await launch(lb.url, `graded-${i}`).send();
        assert.equal(res.status, 303, `launch ${i} through the balancer`);
        users.push(await remoteUser(`graded-${i}`));
      }
      // A slow consumer and grades set one by one: a node's runner busy sending leaves the next
      // grades to the other node.
      outcomes.delayMs = 250;
      await grade(users, (i) => (i % 9) + 1, 125);
      await waitFor("every send to finish", async () => {
        const jobs = await sends();
        return jobs.length === users.length && jobs.every((j) => j.status === "done");
      });
      const byUser = new Map<string, number[]>();
      for (const r of outcomes.received.filter((x) => x.sourcedId.startsWith("sid-graded-"))) {
        assert.ok(r.valid, "the consumer verified the request");
        byUser.set(r.sourcedId, [...(byUser.get(r.sourcedId) ?? []), r.score]);
      }
      for (const [i] of users.entries())
        assert.deepEqual(byUser.get(`sid-graded-${i}`), [((i % 9) + 1) / 10], `graded-${i}: sent once`);
      const byNode = new Map<string, number>();
      for (const j of await sends()) {
        const node = nodes.findIndex((n) => j.locked_by?.startsWith(`${n.child.pid}-`));
        byNode.set(`node${node}`, (byNode.get(`node${node}`) ?? 0) + 1);
      }
      outcomes.delayMs = 0;
      assert.deepEqual(
        [...byNode.keys()].sort(),
        ["node0", "node1"],
        `both nodes ran sends: ${JSON.stringify(Object.fromEntries(byNode))}`,
      );
      const attempts = (await sends()).map((j) => j.attempts);
      assert.ok(
        attempts.every((n) => n === 1),
        `each send ran once: ${attempts.join(",")}`,
      );
    });

    /** Ends every database connection of both nodes (they share an application_name); how many. */
    const terminate = async () =>
      (
        await admin.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid() and application_name = $1`,
          [appName],
        )
      ).rows[0]?.n ?? 0;

    it("keeps both nodes up when the database ends all their connections under load: 503 at worst, then 200", async (t) => {
      const pids = nodes.map((n) => n.child.pid);
      let stop = false;
      const targets = [lb.url, ...nodes.map((n) => n.url)];
      const running = load(
        18,
        async (i) => {
          const base = targets[i % targets.length] ?? lb.url;
          const res = await api(base, "GET", `/courses/${courseId}`);
          return `${i % targets.length === 0 ? "balancer" : `node${(i % targets.length) - 1}`} ${res.status}`;
        },
        () => stop,
      );
      let kills = 0;
      for (let round = 0; round < 6; round++) {
        await sleep(250);
        kills += await terminate();
      }
      stop = true;
      const seen = await running;
      t.diagnostic(`${kills} connections terminated; answers: ${JSON.stringify(seen)}`);
      assert.ok(kills >= 6, `connections were terminated (${kills})`);
      const outputs = () =>
        nodes
          .map(
            (n, i) =>
              `node${i} (exit ${n.child.exitCode}, signal ${n.child.signalCode}):\n${n.output().slice(-3000)}`,
          )
          .join("\n");
      for (const key of Object.keys(seen))
        assert.match(key, /^(balancer|node0|node1) (200|503)$/, `${JSON.stringify(seen)}\n${outputs()}`);
      for (const who of ["balancer", "node0", "node1"])
        assert.ok((seen[`${who} 200`] ?? 0) > 0, `${who} served requests: ${JSON.stringify(seen)}`);
      for (const node of nodes) {
        await waitFor(
          "/healthz to answer 200",
          async () => (await fetch(`${node.url}/healthz`)).status === 200,
        );
        assert.equal((await api(node.url, "GET", `/courses/${courseId}`)).status, 200);
        assert.equal(node.child.exitCode, null, `still running:\n${node.output()}`);
      }
      assert.deepEqual(
        nodes.map((n) => n.child.pid),
        pids,
        "the same processes, not restarted",
      );
    });

    it("answers every GET through the balancer when a node is killed under load, and sends every queued grade", async (t) => {
      const [a, b] = nodes as [ServerProcess, ServerProcess];
      // Sends stay in flight at the consumer, so the node that is killed holds some of them.
      let open = () => {};
      outcomes.gate = new Promise<void>((r) => {
        open = r;
      });
      const sentBefore = outcomes.received.length;
      // One by one over two seconds: each node's runner, busy with a held send, leaves the next
      // grades to the other.
      await grade(users, () => 10, 125);
      // Each node sends one grade at a time: once the consumer holds as many requests as there are
      // nodes holding sends, node A's is in flight.
      await waitFor("node A to have a send in flight", async () => {
        const holders = new Set(
          (await sends()).filter((j) => j.status === "running").map((j) => j.locked_by?.split("-")[0]),
        );
        return holders.has(String(a.child.pid)) && outcomes.received.length - sentBefore >= holders.size;
      });
      let stop = false;
      const running = load(
        20,
        async () => {
          const res = await api(lb.url, "GET", `/courses/${courseId}`);
          return `${res.status} ${res.res.headers.get(NODE_HEADER)}`;
        },
        () => stop,
      );
      await sleep(700);
      const killedAt = Date.now();
      a.child.kill("SIGKILL");
      const exit = await exited(a.child);
      assert.equal(exit.signal, "SIGKILL");
      await sleep(1500);
      stop = true;
      const seen = await running;
      t.diagnostic(`GETs through the balancer around the kill: ${JSON.stringify(seen)}`);
      for (const key of Object.keys(seen))
        assert.match(key, /^200 node[01]$/, `every GET answered 200: ${JSON.stringify(seen)}`);
      assert.ok((seen["200 node0"] ?? 0) > 0, "node A served until it was killed");
      assert.ok((seen["200 node1"] ?? 0) > 20, "node B served the rest");

      // Node A's claims would end by themselves after their leases (300 s); the test ends them now,
      // as that time passing would.
      const past = iso(new Date(killedAt - 1000));
      const jobs = await db.db
        .updateTable("jobs")
        .set({ locked_until: past })
        .where("status", "=", "running")
        .where("locked_by", "like", `${a.child.pid}-%`)
        .executeTakeFirst();
      assert.ok(Number(jobs.numUpdatedRows) >= 1, "node A held queued sends when it was killed");
      await db.db
        .updateTable("lti_provider_users")
        .set({ grade_claimed_until: past })
        .where("grade_claimed_by", "like", `${a.child.pid}-%`)
        .execute();
      open();
      outcomes.gate = undefined;

      await waitFor(
        "every send to finish on node B",
        async () => (await sends()).every((j) => j.status === "done"),
        30_000,
      );
      const delivered = new Map<string, number>();
      const cut = outcomes.received.slice(sentBefore).filter((r) => !r.answered);
      for (const r of outcomes.received.slice(sentBefore))
        if (r.answered && r.valid) delivered.set(r.sourcedId, r.score);
      for (const [i] of users.entries())
        assert.equal(delivered.get(`sid-graded-${i}`), 1, `graded-${i}: the new grade reached the consumer`);
      t.diagnostic(`sends cut off by the kill and sent again by node B: ${cut.length}`);
      assert.ok(cut.length >= 1, "node A had a send in flight when it was killed");
      const pu = await db.db
        .selectFrom("lti_provider_users")
        .select(["last_grade_sent", "grade_claimed_by"])
        .where("user_id", "in", users)
        .execute();
      assert.equal(pu.length, users.length);
      assert.ok(pu.every((u) => u.last_grade_sent === 1 && u.grade_claimed_by === null));

      // The survivor stops cleanly.
      await b.stop();
      assert.equal(b.child.exitCode, 0, b.output());
      assert.doesNotMatch(b.output(), /uncaught|unhandled/i);
    });
  });
}
