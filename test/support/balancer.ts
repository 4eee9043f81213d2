// HAProxy from Debian's `haproxy` package in front of Pluto processes, as a deployment runs several
// nodes: round robin, health checks on GET /healthz, and retries on another node.
// Which requests the balancer retries: a request whose connection to a node failed before anything
// was sent (the node is down: refused, reset on connect) is retried on another node whatever its
// method, POST included (`conn-failure`). After a request reached a node (an empty or broken answer,
// a timeout, a 500/502/503/504), only GET and HEAD are sent again (`disable-l7-retry` for the other
// methods): a POST that reached a node which then died may have been carried out there, so the
// client gets the 502 and decides. Retried requests are buffered whole (`option
// http-buffer-request`, up to HAProxy's buffer size). HAPROXY_PATH names the executable, else /usr/sbin/haproxy
// (`npm test` installs the package when it may, as for the other peers).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./processes.js";

export const HAPROXY_PATH = process.env.HAPROXY_PATH || "/usr/sbin/haproxy";

/** The header naming the node (the backend server's name: node0, node1, …) that answered. */
export const NODE_HEADER = "x-pluto-node";

export interface Balancer {
  url: string;
  port: number;
  /** HAProxy's process (e.g. to read its CPU time). */
  pid: number | undefined;
  /** HAProxy's own output (alerts and warnings). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The configuration: `backends` are the nodes' host:port. Health checks every `checkIntervalMs`; a
 * node is out after two failed checks and back after one good one.
 */
export function haproxyConfig(port: number, backends: string[], checkIntervalMs = 500): string {
  return [
    "global",
    "    maxconn 2000",
    "",
    "defaults",
    "    mode http",
    "    timeout connect 2s",
    "    timeout client 30s",
    "    timeout server 30s",
    "    timeout http-request 10s",
    "    option http-buffer-request",
    "    retries 3",
    // Each retry goes to another node, not the one that just failed.
    "    option redispatch 1",
    "    retry-on all-retryable-errors",
    "",
    "frontend pluto",
    `    bind 127.0.0.1:${port}`,
    "    option forwardfor",
    "    default_backend nodes",
    "",
    "backend nodes",
    "    balance roundrobin",
    "    option httpchk GET /healthz",
    "    http-check expect status 200",
    `    default-server check inter ${checkIntervalMs} fall 2 rise 1`,
    // Only requests safe to send twice are sent again once they reached a node.
    "    http-request disable-l7-retry unless METH_GET",
    `    http-response set-header ${NODE_HEADER} %[srv_name]`,
    ...backends.map((b, i) => `    server node${i} ${b}`),
    "",
  ].join("\n");
}

/** Starts HAProxy in the foreground (-db) on `port` (a free one when not given) over `backends`. */
export async function startBalancer(backends: string[], opts: { port?: number } = {}): Promise<Balancer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "pluto-haproxy-"));
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig(port, backends));
  let out = "";
  const child: ChildProcess = spawn(HAPROXY_PATH, ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err) => reject(new Error(`could not start ${HAPROXY_PATH}: ${err.message}`)));
  });
  await spawned;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy exited with ${child.exitCode}:\n${out}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy did not answer on ${url} in time:\n${out}`);
    }
    await sleep(50);
  }
  return {
    url,
    port,
    pid: child.pid,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          done();
        });
        // SIGUSR1 is HAProxy's soft stop: it closes its listeners and lets the requests in flight end.
        child.kill("SIGUSR1");
      }),
  };
}
