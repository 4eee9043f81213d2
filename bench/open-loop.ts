// Open-loop load: requests leave on a fixed schedule, `rate` per second, whatever the server's answers
// do, and each one is timed from the moment it was due, not from when it actually left. A server that
// stalls for 100 ms is thus charged for every request that fell due during the stall. A closed loop
// (autocannon, even with its `overallRate`, where each connection waits for its answer before sending
// the next request) sends less while the server stalls and times only what it sent, so the stall hides
// in a few samples ("coordinated omission").
//
// Request bodies are built before the run (LTI launches and outcome messages each need their own nonce
// and signature), so signing costs the generator nothing while it sends. The generator reports its own
// lag (how late requests left): when it cannot keep up, the latencies include its delay too.
import http from "node:http";
import { cpuMs } from "./machine.js";

export interface OpenLoopRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Plan {
  /** Requests per second. */
  rate: number;
  /** Requests sent before the measured window (not recorded). */
  warmup: number;
  /** Requests in the measured window. */
  measured: number;
  total: number;
  /** Milliseconds between two requests. */
  intervalMs: number;
}

/** The schedule of a run: `rate` requests per second for `warmupSeconds`, then for `seconds` measured. */
export function plan(rate: number, seconds: number, warmupSeconds: number): Plan {
  if (!(Number.isFinite(rate) && rate > 0))
    throw new RangeError(`rate must be a positive number, got ${rate}`);
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new RangeError(`duration must be a positive number of seconds, got ${seconds}`);
  if (!(Number.isFinite(warmupSeconds) && warmupSeconds >= 0))
    throw new RangeError(`warm-up must be zero or more seconds, got ${warmupSeconds}`);
  const warmup = Math.round(rate * warmupSeconds);
  const measured = Math.max(1, Math.round(rate * seconds));
  return { rate, warmup, measured, total: warmup + measured, intervalMs: 1000 / rate };
}

/** When request `i` of the plan is due, in ms from the start of the run (request 0 is due at 0). */
export function dueAt(p: Plan, i: number): number {
  return i * p.intervalMs;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value that at least `p` per
 * cent of the values do not exceed (p = 100 is the maximum). Undefined for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface Distribution {
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
}

export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
  };
}

/** The generator kept up when 99% of the requests left within this many ms of their due time. */
export const KEPT_UP_LAG_MS = 2;

export interface OpenLoopResult {
  /** Requests per second offered (the schedule). */
  offered: number;
  /** Expected answers per second over the measured window. */
  achieved: number;
  /** Requests in the measured window. */
  measured: number;
  /** Answered with an expected status. */
  ok: number;
  /** Answered with another status. */
  unexpected: number;
  /** No answer: connection error, or still unanswered when the drain time ran out. */
  failed: number;
  /**
   * Measured requests by status; failed ones by "error <code>" (e.g. "error ECONNRESET"), or
   * "unanswered" when the drain time ran out.
   */
  statuses: Record<string, number>;
  /** Latency of every measured request from its due time, ms; a failed one counts with its time to fail. */
  latency: Distribution;
  /** How late the measured requests left, ms. */
  lag: Distribution;
  keptUp: boolean;
  /** Server CPU per expected answer, ms, when the server's process was given. */
  cpuMsPerRequest: number | undefined;
}

export interface OpenLoopOptions {
  /** Origin of the server, e.g. http://127.0.0.1:3000. */
  url: string;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** One request per scheduled send, `plan.total` of them, built before the run. */
  requests: OpenLoopRequest[];
  /** Which statuses count as a success (default: 2xx). */
  expect?: (status: number) => boolean;
  /** When given, a success's body must match it too (e.g. an outcome message's success code). */
  expectBody?: RegExp;
  /** The server's process, to measure its CPU time over the measured window. */
  pid?: number | undefined;
  /**
   * Sockets the generator may open (default 900: enough not to throttle a stalled server, and below
   * Pluto's default cap of 1,000 connections, beyond which it resets new ones).
   */
  maxSockets?: number;
  /** How long to wait for the last answers after the last request left, ms (default 10,000). */
  drainMs?: number;
}

const failure = (err: Error & { code?: string }) => `error ${err.code ?? err.message}`;

interface Prepared {
  method: string;
  path: string;
  headers: Record<string, string | number>;
  body: Buffer | undefined;
}

/** The number of requests `openLoop` needs for a rate, duration and warm-up. */
export function requestsNeeded(rate: number, seconds: number, warmupSeconds: number): number {
  return plan(rate, seconds, warmupSeconds).total;
}

export async function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const p = plan(opts.rate, opts.seconds, opts.warmupSeconds);
  if (opts.requests.length < p.total)
    throw new RangeError(`openLoop needs ${p.total} requests for its schedule, got ${opts.requests.length}`);
  const expect = opts.expect ?? ((s: number) => s >= 200 && s < 300);
  const target = new URL(opts.url);
  const prepared: Prepared[] = opts.requests.slice(0, p.total).map((r) => {
    const body = r.body === undefined ? undefined : Buffer.from(r.body);
    return {
      method: r.method,
      path: r.path,
      headers: { ...r.headers, ...(body ? { "content-length": body.length } : {}) },
      body,
    };
  });
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 900,
    maxFreeSockets: opts.maxSockets ?? 900,
  });
  const latency = new Float64Array(p.measured);
  const lag = new Float64Array(p.measured);
  const statuses: Record<string, number> = {};
  let ok = 0;
  let unexpected = 0;
  let failed = 0;
  let outstanding = 0;
  let lastAnswer = 0;
  /** Requests in flight, each with what records it as failed. */
  const pending = new Map<http.ClientRequest, () => void>();
  let next = 0;
  let cpuBefore: number | undefined;
  let allSent: () => void = () => {};
  let allAnswered: () => void = () => {};
  const sent = new Promise<void>((r) => {
    allSent = r;
  });
  const answered = new Promise<void>((r) => {
    allAnswered = r;
  });

  const start = performance.now() + 20;
  const windowStart = start + dueAt(p, p.warmup);

  function record(i: number, due: number, status: string, good: boolean, isFailure: boolean) {
    const now = performance.now();
    outstanding--;
    if (i >= p.warmup) {
      const m = i - p.warmup;
      latency[m] = now - due;
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (good) ok++;
      else if (isFailure) failed++;
      else unexpected++;
      if (good) lastAnswer = Math.max(lastAnswer, now);
    }
    if (outstanding === 0 && next >= p.total) allAnswered();
  }

  function send(i: number, due: number) {
    const r = prepared[i] as Prepared;
    if (i >= p.warmup) lag[i - p.warmup] = performance.now() - due;
    outstanding++;
    let done = false;
    const finish = (status: string, good: boolean, isFailure: boolean) => {
      if (done) return;
      done = true;
      pending.delete(req);
      record(i, due, status, good, isFailure);
    };
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: r.method,
        path: r.path,
        headers: r.headers,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const want = opts.expectBody;
        let text = "";
        res.on("error", (err) => finish(failure(err), false, true));
        res.on("end", () => {
          const good = expect(status) && (want === undefined || want.test(text));
          finish(good || !expect(status) ? String(status) : `${status}, other body`, good, false);
        });
        if (want) {
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
        } else res.resume();
      },
    );
    pending.set(req, () => finish("unanswered", false, true));
    req.on("error", (err) => finish(failure(err), false, true));
    req.end(r.body);
  }

  function tick() {
    const now = performance.now();
    while (next < p.total && start + dueAt(p, next) <= now) {
      if (next === p.warmup) cpuBefore = cpuMs(opts.pid);
      send(next, start + dueAt(p, next));
      next++;
    }
    if (next < p.total) setTimeout(tick, Math.max(0, start + dueAt(p, next) - performance.now()));
    else {
      allSent();
      if (outstanding === 0) allAnswered();
    }
  }
  setTimeout(tick, Math.max(0, start - performance.now()));

  await sent;
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    answered,
    new Promise<void>((r) => {
      drainTimer = setTimeout(r, opts.drainMs ?? 10_000);
    }),
  ]);
  clearTimeout(drainTimer);
  // Requests still unanswered count as failed, timed until now.
  for (const [req, fail] of [...pending]) {
    fail();
    req.destroy();
  }
  const cpuAfter = cpuMs(opts.pid);
  agent.destroy();

  return openLoopResult({
    rate: opts.rate,
    seconds: opts.seconds,
    measured: p.measured,
    counts: { ok, unexpected, failed },
    statuses,
    latency,
    lag,
    window: { start: windowStart, lastAnswer },
    cpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && ok > 0 ? (cpuAfter - cpuBefore) / ok : undefined,
  });
}

/**
 * An open-loop run's result from what it counted: the rate achieved over the measured window (at least the
 * planned seconds, longer when answers came after it), the latency and lag distributions, whether the
 * generator kept up. For runs whose requests are flows of several steps (bench/lti13-tool.bench.ts) too.
 */
export function openLoopResult(r: {
  rate: number;
  seconds: number;
  measured: number;
  counts: { ok: number; unexpected: number; failed: number };
  statuses: Record<string, number>;
  latency: Float64Array;
  lag: Float64Array;
  /** performance.now() of the measured window's start and of the last expected answer. */
  window: { start: number; lastAnswer: number };
  cpuMsPerRequest: number | undefined;
}): OpenLoopResult {
  const lagDist = distribution(r.lag);
  return {
    offered: r.rate,
    achieved: r.counts.ok / Math.max(r.seconds, (r.window.lastAnswer - r.window.start) / 1000),
    measured: r.measured,
    ...r.counts,
    statuses: r.statuses,
    latency: distribution(r.latency),
    lag: lagDist,
    keptUp: (lagDist.p99 ?? 0) <= KEPT_UP_LAG_MS,
    cpuMsPerRequest: r.cpuMsPerRequest,
  };
}
