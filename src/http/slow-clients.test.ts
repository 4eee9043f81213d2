// Slow clients against a real listening server, with raw sockets: headers sent slowly are cut off after
// the header timeout, a body sent slowly after the request timeout, an idle keep-alive connection after
// the keep-alive timeout, and connections beyond the cap are closed at once while the others are served.
// The timeouts are short here (PLUTO_HTTP_* settings); the defaults are in the README.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startTestApp, type TestApp } from "../../test/support/app.js";

interface Raw {
  socket: Socket;
  read(): string;
  /** Resolves with what was read and how long after the connection opened, once the server closed it. */
  closed: Promise<{ read: string; afterMs: number }>;
  isClosed(): boolean;
}

async function open(port: number): Promise<Raw> {
  const socket = connect(port, "127.0.0.1");
  const opened = Date.now();
  let read = "";
  let done = false;
  socket.on("data", (d) => {
    read += d;
  });
  socket.on("error", () => {}); // a reset is a close here
  const closed = new Promise<{ read: string; afterMs: number }>((r) =>
    socket.once("close", () => {
      done = true;
      r({ read, afterMs: Date.now() - opened });
    }),
  );
  await new Promise<void>((r, reject) => {
    socket.once("connect", () => r());
    socket.once("error", reject);
  });
  return { socket, read: () => read, closed, isClosed: () => done };
}

/** Writes `text` one character every `everyMs` until the connection is closed or the text is sent. */
async function trickle(raw: Raw, text: string, everyMs: number): Promise<void> {
  for (const ch of text) {
    if (raw.isClosed()) return;
    raw.socket.write(ch);
    await sleep(everyMs);
  }
}

/** Waits for the connection to close, failing when it stays open past `withinMs`. */
async function closedWithin(raw: Raw, withinMs: number): Promise<{ read: string; afterMs: number }> {
  const timer = sleep(withinMs).then(() => "open" as const);
  const result = await Promise.race([raw.closed, timer]);
  if (result === "open") {
    raw.socket.destroy();
    assert.fail(`the connection was still open after ${withinMs} ms`);
  }
  return result;
}

function portOf(t: TestApp): number {
  return (t.app.server.address() as AddressInfo).port;
}

describe("slow clients", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp("sqlite", {
      config: { httpHeadersTimeoutMs: 300, httpRequestTimeoutMs: 800, httpKeepAliveTimeoutMs: 400 },
      listen: { host: "127.0.0.1", port: 0 },
    });
  });
  after(() => t.close());

  it("cuts off a client that sends its headers slowly after the header timeout, with a 408", async () => {
    const raw = await open(portOf(t));
    void trickle(raw, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${"a".repeat(200)}\r\n\r\n`, 50);
    const { read, afterMs } = await closedWithin(raw, 3000);
    assert.match(read, /^HTTP\/1\.1 408/);
    assert.ok(afterMs >= 250, `not before the header timeout (${afterMs} ms)`);
  });

  it("cuts off a client that sends its body slowly after the request timeout, with a 408", async () => {
    const raw = await open(portOf(t));
    raw.socket.write(
      "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\n",
    );
    void trickle(raw, `username=admin&password=${"x".repeat(376)}`, 50);
    const { read, afterMs } = await closedWithin(raw, 4000);
    assert.match(read, /^HTTP\/1\.1 408/);
    assert.ok(afterMs >= 700, `not before the request timeout (${afterMs} ms)`);
  });

  it("closes an idle keep-alive connection after the keep-alive timeout", async () => {
    const raw = await open(portOf(t));
    raw.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const { read, afterMs } = await closedWithin(raw, 3000);
    assert.match(read, /^HTTP\/1\.1 200/);
    assert.match(read, /keep-alive/i);
    assert.ok(afterMs >= 350, `kept for the keep-alive timeout (${afterMs} ms)`);
  });

  it("serves a client that is quick", async () => {
    const res = await fetch(`http://127.0.0.1:${portOf(t)}/healthz`);
    assert.equal(res.status, 200);
  });
});

describe("the connection cap", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp("sqlite", {
      config: { httpMaxConnections: 5, httpHeadersTimeoutMs: 10_000 },
      listen: { host: "127.0.0.1", port: 0 },
    });
  });
  after(() => t.close());

  const connections = () =>
    new Promise<number>((r, reject) => t.app.server.getConnections((err, n) => (err ? reject(err) : r(n))));

  it("closes connections beyond the cap at once, and serves requests again once the others have gone", async () => {
    const held: Raw[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const raw = await open(portOf(t));
        raw.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // headers not finished
        held.push(raw);
      }
      const deadline = Date.now() + 3000;
      while ((await connections()) < 5 && Date.now() < deadline) await sleep(20);
      assert.equal(await connections(), 5);
      for (let i = 0; i < 3; i++) {
        const extra = await open(portOf(t));
        extra.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        const { read, afterMs } = await closedWithin(extra, 1000);
        assert.equal(read, "", "closed without an answer");
        assert.ok(afterMs < 1000);
      }
      for (const raw of held) assert.ok(!raw.isClosed(), "the connections within the cap stay open");
    } finally {
      for (const raw of held) raw.socket.destroy();
    }
    await Promise.all(held.map((r) => r.closed));
    const again = Date.now() + 3000;
    while ((await connections()) > 0 && Date.now() < again) await sleep(20);
    const res = await fetch(`http://127.0.0.1:${portOf(t)}/healthz`);
    assert.equal(res.status, 200);
  });
});
