// The SSRF guard: which addresses outbound fetches may reach, and how fetches fail (no database involved).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { isAddressAllowed, OutboundError, outboundFetch, parseAllowList } from "./outbound.js";

describe("the outbound address guard", () => {
  const none = parseAllowList([]);
  const blocked = [
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
    "2002:7f00:1::",
    "[::1]",
    "not-an-ip",
  ];
  for (const ip of blocked) {
    it(`refuses ${ip}`, () => assert.equal(isAddressAllowed(ip, none), false));
  }
  for (const ip of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:93.184.216.34"]) {
    it(`lets ${ip} through`, () => assert.equal(isAddressAllowed(ip, none), true));
  }
  it("lets allow-listed addresses and ranges through, mapped forms included", () => {
    const allow = parseAllowList(["127.0.0.1", "10.0.0.0/8", "fd00::/8"]);
    assert.equal(isAddressAllowed("127.0.0.1", allow), true);
    assert.equal(isAddressAllowed("::ffff:127.0.0.1", allow), true);
    assert.equal(isAddressAllowed("127.0.0.2", allow), false);
    assert.equal(isAddressAllowed("10.200.3.4", allow), true);
    assert.equal(isAddressAllowed("fd12::1", allow), true);
    assert.equal(isAddressAllowed("192.168.0.1", allow), false);
  });
});

describe("outboundFetch", () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/ok") res.writeHead(200, { "content-type": "text/plain" }).end("hello");
      else if (req.url === "/big") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("x".repeat(3000));
        res.end("x".repeat(3000));
      } else if (req.url === "/slow") setTimeout(() => res.end("late"), 2000);
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else if (req.url === "/to-private") res.writeHead(302, { location: "http://10.0.0.1/x" }).end();
      else if (req.url === "/to-ok") res.writeHead(301, { location: "/ok" }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const allow = ["127.0.0.1"];
  const reason = async (p: Promise<unknown>) => {
    try {
      await p;
      return "none";
    } catch (err) {
      assert.ok(err instanceof OutboundError, String(err));
      return err.reason;
    }
  };

  it("fetches an allow-listed loopback URL and follows a redirect", async () => {
    const r = await outboundFetch(`${base}/to-ok`, { allow });
    assert.equal(r.body.toString(), "hello");
    assert.equal(r.url, `${base}/ok`);
  });

  it("refuses loopback when it is not allow-listed", async () => {
    assert.equal(await reason(outboundFetch(`${base}/ok`, { allow: [] })), "blocked_address");
  });

  it("refuses a host name that resolves to a private address, and connects only to checked addresses", async () => {
    const resolve = async () => [{ address: "10.0.0.7", family: 4 }];
    assert.equal(
      await reason(outboundFetch("http://tool.example/x", { allow: [], resolve })),
      "blocked_address",
    );
  });

  it("lets an allow-listed host name resolve to a private address", async () => {
    const port = new URL(base).port;
    const resolve = async () => [{ address: "127.0.0.1", family: 4 }];
    const r = await outboundFetch(`http://tools.internal:${port}/ok`, { allow: ["tools.internal"], resolve });
    assert.equal(r.body.toString(), "hello");
  });

  it("checks every redirect again", async () => {
    assert.equal(await reason(outboundFetch(`${base}/to-private`, { allow })), "blocked_address");
    assert.equal(await reason(outboundFetch(`${base}/loop`, { allow })), "too_many_redirects");
  });

  it("caps the size, the time and the schemes", async () => {
    assert.equal(await reason(outboundFetch(`${base}/big`, { allow, maxBytes: 4000 })), "too_large");
    assert.equal(await reason(outboundFetch(`${base}/slow`, { allow, timeoutMs: 200 })), "timeout");
    assert.equal(await reason(outboundFetch("file:///etc/passwd", { allow })), "bad_url");
    assert.equal(await reason(outboundFetch("ftp://example.org/x", { allow })), "bad_url");
    assert.equal(await reason(outboundFetch(`http://user:pw@127.0.0.1:1/x`, { allow })), "bad_url");
    assert.equal(await reason(outboundFetch("not a url", { allow })), "bad_url");
  });

  it("gives up with the signal's reason when its signal is aborted, before or during the request", async () => {
    const stopping = new Error("the process is stopping");
    const during = new AbortController();
    const started = Date.now();
    setTimeout(() => during.abort(stopping), 100);
    await assert.rejects(
      outboundFetch(`${base}/slow`, { allow, signal: during.signal }),
      (e) => e === stopping,
    );
    assert.ok(Date.now() - started < 1500, "did not wait for the answer");
    const before = new AbortController();
    before.abort(stopping);
    await assert.rejects(
      outboundFetch(`${base}/ok`, { allow, signal: before.signal }),
      (e) => e === stopping,
    );
  });

  it("reports refused connections and error statuses", async () => {
    assert.equal(await reason(outboundFetch("http://127.0.0.1:9/x", { allow })), "unreachable");
    assert.equal(await reason(outboundFetch(`${base}/missing`, { allow })), "bad_status");
  });
});

describe("outboundFetch against a server that stalls mid-body", () => {
  it("times out, or gives up when aborted, without an uncaught error", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await assert.rejects(
        outboundFetch(url, { allow: ["127.0.0.1"], timeoutMs: 200 }),
        (e) => e instanceof OutboundError && e.reason === "timeout",
      );
      const stopping = new Error("the process is stopping");
      const controller = new AbortController();
      setTimeout(() => controller.abort(stopping), 200);
      await assert.rejects(
        outboundFetch(url, { allow: ["127.0.0.1"], signal: controller.signal }),
        (e) => e === stopping,
        "an abort mid-body rejects with the signal's reason",
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
