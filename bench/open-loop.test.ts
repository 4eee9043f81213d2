// The open-loop generator: its schedule and percentiles, and, against a local server, that requests keep
// leaving on schedule while earlier ones are unanswered and that each answer is counted by what it was.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { distribution, dueAt, type OpenLoopRequest, openLoop, percentile, plan } from "./open-loop.js";

describe("the open-loop schedule", () => {
  it("sends rate × seconds requests, the warm-up ones first, evenly spaced", () => {
    const p = plan(500, 10, 2);
    assert.deepEqual(
      { warmup: p.warmup, measured: p.measured, total: p.total, intervalMs: p.intervalMs },
      { warmup: 1000, measured: 5000, total: 6000, intervalMs: 2 },
    );
    assert.deepEqual(
      [0, 1, 2, 1000, 5999].map((i) => dueAt(p, i)),
      [0, 2, 4, 2000, 11_998],
    );
  });

  it("keeps at least one measured request for a very short run, and allows no warm-up", () => {
    const p = plan(3, 0.1, 0);
    assert.deepEqual([p.warmup, p.measured], [0, 1]);
  });

  const bad: Array<[string, number, number, number]> = [
    ["a zero rate", 0, 10, 2],
    ["a negative rate", -5, 10, 2],
    ["a rate that is not a number", Number.NaN, 10, 2],
    ["an infinite rate", Number.POSITIVE_INFINITY, 10, 2],
    ["a zero duration", 100, 0, 2],
    ["a negative warm-up", 100, 10, -1],
  ];
  for (const [what, rate, seconds, warmup] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => plan(rate, seconds, warmup), RangeError);
    });
  }
});

describe("percentiles", () => {
  it("are nearest-rank: the smallest value at least p% of the values do not exceed", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    const five = [10, 20, 30, 40, 50];
    const cases: Array<[number[], number, number]> = [
      [hundred, 50, 50],
      [hundred, 99, 99],
      [hundred, 100, 100],
      [hundred, 0, 1],
      [five, 50, 30],
      [five, 90, 50],
      [five, 20, 10],
      [five, 21, 20],
      [[7], 99, 7],
    ];
    for (const [values, p, expected] of cases) assert.equal(percentile(values, p), expected, `p${p}`);
  });

  it("are undefined for no values, and refuse a percentile outside 0..100", () => {
    assert.equal(percentile([], 50), undefined);
    assert.throws(() => percentile([1], 101), RangeError);
    assert.throws(() => percentile([1], -1), RangeError);
  });

  it("are taken over the values in order, whatever order they were recorded in", () => {
    const d = distribution([5, 1, 100, 3, 2, 4, 9, 8, 7, 6]);
    assert.deepEqual(d, { p50: 5, p90: 9, p99: 100, max: 100 });
  });
});

async function withServer(handler: http.RequestListener, fn: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const posts = (n: number): OpenLoopRequest[] =>
  Array.from({ length: n }, (_, i) => ({ method: "POST", path: `/r/${i}`, body: `n=${i}` }));

describe("an open-loop run", () => {
  it("keeps sending while the server holds every answer, and times each request from its due time", async () => {
    let arrivedBeforeRelease = 0;
    const held: http.ServerResponse[] = [];
    let released = false;
    await withServer(
      (req, res) => {
        req.resume();
        if (released) return void res.end("ok");
        arrivedBeforeRelease++;
        held.push(res);
        if (held.length === 1)
          setTimeout(() => {
            released = true;
            for (const r of held) r.end("ok");
          }, 300);
      },
      async (url) => {
        const r = await openLoop({ url, rate: 100, seconds: 0.5, warmupSeconds: 0, requests: posts(50) });
        assert.equal(r.ok, 50);
        assert.equal(r.measured, 50);
        // A closed loop of one connection would have sent one request during the hold.
        assert.ok(arrivedBeforeRelease >= 10, `${arrivedBeforeRelease} requests arrived during the hold`);
        // The first request waited for the whole hold, from the time it was due.
        assert.ok((r.latency.max ?? 0) >= 290, `max latency ${r.latency.max} ms`);
      },
    );
  });

  it("counts answers by whether their status and body are the expected ones", async () => {
    await withServer(
      (req, res) => {
        req.resume();
        const n = Number(req.url?.split("/")[2]);
        res.statusCode = n % 4 === 0 ? 500 : 303;
        res.end(n % 4 === 1 ? "failure" : "success");
      },
      async (url) => {
        const r = await openLoop({
          url,
          rate: 200,
          seconds: 0.2,
          warmupSeconds: 0.1,
          requests: posts(60),
          expect: (s) => s === 303,
          expectBody: /success/,
        });
        // Requests 20..59 are measured: 10 answer 500, 10 answer 303 with the wrong body.
        assert.deepEqual(
          { measured: r.measured, ok: r.ok, unexpected: r.unexpected, failed: r.failed },
          { measured: 40, ok: 20, unexpected: 20, failed: 0 },
        );
        assert.deepEqual(r.statuses, { "303": 20, "500": 10, "303, other body": 10 });
      },
    );
  });

  it("counts requests left unanswered when the drain time runs out as failed", async () => {
    await withServer(
      (req) => {
        req.resume(); // never answers
      },
      async (url) => {
        const r = await openLoop({
          url,
          rate: 100,
          seconds: 0.1,
          warmupSeconds: 0,
          requests: posts(10),
          drainMs: 100,
        });
        assert.deepEqual([r.ok, r.failed, r.statuses.unanswered], [0, 10, 10]);
        assert.equal(r.achieved, 0);
      },
    );
  });

  it("counts requests the server refused as failed, by their error", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((r) => server.close(r)); // nothing listens there now
    const r = await openLoop({ url, rate: 100, seconds: 0.05, warmupSeconds: 0, requests: posts(5) });
    assert.deepEqual([r.ok, r.failed, r.statuses], [0, 5, { "error ECONNREFUSED": 5 }]);
  });

  it("refuses to start without a request for every scheduled send", async () => {
    await assert.rejects(
      openLoop({ url: "http://127.0.0.1:9", rate: 100, seconds: 1, warmupSeconds: 1, requests: posts(150) }),
      /needs 200 requests/,
    );
  });
});
