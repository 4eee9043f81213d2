// Stopping real Pluto processes with SIGTERM and SIGINT while a request and a job are in flight.
// The request is an upload the test sends slowly; the job is a grade send (outbox) to a consumer the
// test holds up. Finished within the grace period, both complete and the process exits 0; cut off
// after it, the request is dropped unwritten, the job is given back whole and the next start sends
// the grade. Either way the port is closed when the process has exited. (The npm scripts:
// shutdown-npm.test.ts.)
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import type { DatabaseHandle } from "../src/db/database.js";
import { testEngines } from "./support/db.js";
import { baseLaunch, type FakeConsumer, signLaunch, startFakeConsumer } from "./support/lti11-consumer.js";
import {
  cleanEnv,
  exited,
  type ProcessDatabase,
  processDatabase,
  refused,
  type ServerProcess,
  startServer,
  waitFor,
} from "./support/processes.js";

const TOKEN = "shutdown-test-admin-token-0123456789";
const consumers: FakeConsumer[] = [];
after(() => Promise.all(consumers.map((c) => c.close())));

/**
 * A keep-alive connection the server has certainly accepted: one request has been answered on it.
 * `send` writes raw bytes; `closed` resolves with everything read once the server closes it.
 */
async function openConnection(port: number): Promise<{ send(data: string): void; closed: Promise<string> }> {
  const socket: Socket = connect(port, "127.0.0.1");
  let read = "";
  const closed = new Promise<string>((r) => socket.once("close", () => r(read)));
  socket.on("error", () => {}); // a reset is a close here
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.on("data", (d) => {
    read += d;
  });
  socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await waitFor("the first answer", () => read.includes("\r\n\r\n") && read.endsWith("}"), 10_000);
  read = "";
  return { send: (data) => socket.write(data), closed };
}

/** The status of the last HTTP response in what a connection read; 0 when it read none. */
function lastStatus(read: string): number {
  const all = [...read.matchAll(/HTTP\/1\.1 (\d{3})/g)];
  return Number(all.at(-1)?.[1] ?? 0);
}

async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * A course published as an LTI tool and a consumer's user launched into it whose grades go to the
 * consumer returned (answering once `gate` resolves). `grade()` gives them a grade: the send is
 * queued and the runner posts it to the consumer.
 */
async function publishedToConsumer(
  server: ServerProcess,
  db: DatabaseHandle,
  gate: Promise<void>,
): Promise<{ fc: FakeConsumer; grade(): Promise<unknown> }> {
  const course = await api<{ id: number }>(server.url, "POST", "/courses", {
    fullname: "Stopping cleanly",
    shortname: "STOP",
  });
  const quiz = await api<{ id: number }>(server.url, "POST", `/courses/${course.id}/activities`, {
    type: "quiz",
    name: "Quiz",
    settings: { maxGrade: 10, questions: [{ text: "1+1?", choices: ["2", "3"], correct: 0 }] },
  });
  const pub = await api<{ launchUrl: string; secret: string }>(
    server.url,
    "POST",
    `/courses/${course.id}/enrol-methods`,
    { method: "lti", ltiVersion: "1.1", name: "Consumer" },
  );
  const fc = await startFakeConsumer(pub.secret);
  fc.gate = gate;
  consumers.push(fc);
  const form = signLaunch(
    pub.launchUrl,
    "consumer-key",
    pub.secret,
    baseLaunch({ lis_outcome_service_url: `${fc.url}/outcomes`, lis_result_sourcedid: "sid-42" }),
  );
  const launch = await fetch(`${server.url}${new URL(pub.launchUrl).pathname}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  assert.equal(launch.status, 303, await launch.text());
  const link = await db.db
    .selectFrom("lti_user_links")
    .select("user_id")
    .where("remote_user_id", "=", "remote-42")
    .executeTakeFirstOrThrow();
  return {
    fc,
    grade: () => api(server.url, "PUT", `/activities/${quiz.id}/grades/${link.user_id}`, { grade: 7 }),
  };
}

const outcomes = (fc: FakeConsumer) => fc.received.filter((r) => r.path === "/outcomes");
const sendJob = (db: DatabaseHandle) =>
  db.db
    .selectFrom("jobs")
    .selectAll()
    .where("name", "=", "lti_provider_send_grade")
    .executeTakeFirstOrThrow();
const remoteUser = (db: DatabaseHandle) =>
  db.db
    .selectFrom("lti_provider_users")
    .select(["last_grade_sent", "grade_claimed_by"])
    .executeTakeFirstOrThrow();
const adminName = (db: DatabaseHandle) =>
  db.db.selectFrom("users").select("firstname").where("username", "=", "admin").executeTakeFirstOrThrow();

/** PATCH of the admin's first name, its headers and the first half of its body sent. */
function startSlowUpload(conn: { send(data: string): void }): () => void {
  const body = JSON.stringify({ firstname: "Stopping" });
  conn.send(
    `PATCH /api/v1/users/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  );
  return () => conn.send(body.slice(10));
}

for (const engine of testEngines()) {
  describe(`stopping pluto serve on ${engine}`, () => {
    let pdb: ProcessDatabase;
    let db: DatabaseHandle;
    const servers: ServerProcess[] = [];

    const start = async (graceMs: number) => {
      const server = await startServer(
        cleanEnv({
          DATABASE_URL: pdb.url,
          LOG_LEVEL: "warn",
          PLUTO_ADMIN_PASSWORD: "correct-horse-battery",
          PLUTO_ADMIN_TOKEN: TOKEN,
          PLUTO_OUTBOUND_ALLOW: "127.0.0.1",
          PLUTO_SHUTDOWN_TIMEOUT_MS: String(graceMs),
        }),
      );
      servers.push(server);
      return { server, port: Number(new URL(server.url).port) };
    };

    after(() => Promise.all(servers.map((s) => s.stop())));

    const fresh = async () => {
      await db?.close();
      await pdb?.drop();
      pdb = await processDatabase(engine);
      db = pdb.open();
    };
    after(async () => {
      await db?.close();
      await pdb?.drop();
    });

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      it(`on ${signal}, closes the port at once, finishes the request and the job in flight, and exits 0`, async () => {
        await fresh();
        const { server, port } = await start(30_000);
        let release: () => void = () => {};
        const gate = new Promise<void>((r) => {
          release = r;
        });
        const { fc, grade } = await publishedToConsumer(server, db, gate);
        const idle = await openConnection(port);
        const upload = await openConnection(port);
        const finishUpload = startSlowUpload(upload);
        // The consumer's outbound timeout (10 s) runs from here: the steps until release are few.
        await grade();
        await waitFor("the grade send to reach the consumer", () => outcomes(fc).length === 1);
        const exit = exited(server.child);

        server.child.kill(signal);
        await waitFor("the port to close", () => refused(port), 5000);
        assert.equal(await idle.closed, "", "the idle keep-alive connection was closed, unanswered");
        assert.equal(server.child.exitCode, null, "still running: a request and a job are in flight");

        finishUpload();
        const read = await upload.closed;
        assert.equal(lastStatus(read), 200, read);
        assert.match(read, /connection: close/i, "the connection ended with the response");
        const released = Date.now();
        release();
        const { code, signal: killedBy, at } = await exit;
        assert.deepEqual([code, killedBy], [0, null], server.output());
        assert.ok(at - released < 5000, `exited ${at - released} ms after the job finished`);
        assert.equal(await refused(port), true);
        assert.equal((await adminName(db)).firstname, "Stopping", "the request's change was written");

        const job = await sendJob(db);
        assert.deepEqual([job.status, job.attempts], ["done", 1], `${job.last_error}\n${server.output()}`);
        assert.deepEqual(await remoteUser(db), { last_grade_sent: 0.7, grade_claimed_by: null });
        assert.equal(outcomes(fc).length, 1, "the grade was sent once");
      });
    }

    it("cuts off what is still running when the grace period ends, exits 0, and the next start sends the grade", async () => {
      await fresh();
      const graceMs = 1500;
      const { server, port } = await start(graceMs);
      const { fc, grade } = await publishedToConsumer(server, db, new Promise(() => {})); // never answers
      const upload = await openConnection(port);
      startSlowUpload(upload); // and the rest of the body never comes
      await grade();
      await waitFor("the grade send to reach the consumer", () => outcomes(fc).length === 1);
      const exit = exited(server.child);

      const sent = Date.now();
      server.child.kill("SIGTERM");
      const { code, at } = await exit;
      assert.equal(code, 0, server.output());
      assert.ok(at - sent >= graceMs, `waited the grace period (${at - sent} ms)`);
      assert.ok(at - sent < graceMs + 5000, `then stopped (${at - sent} ms)`);
      assert.equal(await refused(port), true);
      assert.equal(lastStatus(await upload.closed), 0, "the unfinished request was dropped");
      assert.equal((await adminName(db)).firstname, "Site", "and wrote nothing");

      const cut = await sendJob(db);
      assert.equal(cut.status, "pending");
      assert.equal(cut.attempts, 0, "being cut off is not a failed attempt");
      assert.match(cut.last_error ?? "", /cut off/);
      assert.deepEqual(await remoteUser(db), { last_grade_sent: null, grade_claimed_by: null });

      fc.gate = undefined;
      await start(30_000);
      await waitFor(
        "the restarted process to send the grade",
        async () => (await sendJob(db)).status === "done",
      );
      assert.deepEqual(await remoteUser(db), { last_grade_sent: 0.7, grade_claimed_by: null });
      assert.equal(outcomes(fc).length, 2, "sent again whole, after the unanswered send");
      assert.equal((await sendJob(db)).attempts, 1);
    });
  });
}
