// `npm start` and `npm run demo` stopped the two ways they are: SIGTERM to npm alone (a service
// manager), and a terminal's Ctrl-C (SIGINT to the whole process group: npm, Pluto, the demo's sites).
// Each exits 0 with nothing left listening. Both scripts build first.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cleanEnv, exited, freePort, ROOT, refused, waitFor } from "./support/processes.js";

/** Starts an npm script from the repository (it builds first), in a process group of its own. */
function npmRun(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output(): string } {
  const child = spawn("npm", ["run", "--silent", ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  return { child, output: () => out };
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false;
  }
}

/** How a signal reaches the npm scripts: to npm alone (a service manager), or a terminal's Ctrl-C. */
const deliveries = [
  { how: "SIGTERM to npm", send: (c: ChildProcess) => c.kill("SIGTERM") },
  {
    how: "Ctrl-C (SIGINT to the process group)",
    send: (c: ChildProcess) => process.kill(-(c.pid ?? 0), "SIGINT"),
  },
];

describe("stopping the npm scripts", () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "pluto-stop-"));
    dirs.push(d);
    return d;
  };
  after(() => {
    // Whatever a failed test left in the process group (a site orphaned by a shell that died).
    for (const c of children) {
      try {
        if (c.pid) process.kill(-c.pid, "SIGKILL");
      } catch {
        // the group is gone: nothing was left
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const { how, send } of deliveries) {
    it(`npm start stops on ${how}, exits 0 and leaves nothing listening`, async () => {
      const port = await freePort();
      const run = npmRun(
        ["start"],
        cleanEnv({
          PORT: String(port),
          HOST: "127.0.0.1",
          DATABASE_URL: `sqlite:${join(tempDir(), "pluto.db")}`,
          LOG_LEVEL: "warn",
          PLUTO_ADMIN_PASSWORD: "correct-horse-battery",
        }),
      );
      children.push(run.child);
      await waitFor("npm start to serve", () => healthy(`http://127.0.0.1:${port}`), 120_000);
      const exit = exited(run.child);
      send(run.child);
      const { code, signal } = await exit;
      assert.deepEqual([code, signal], [0, null], run.output());
      assert.equal(await refused(port), true, "nothing listens on the port");
    });

    it(`npm run demo stops both sites on ${how} and exits 0`, async () => {
      const [provider, consumer] = [await freePort(), await freePort()];
      const run = npmRun(
        [
          "demo",
          "--",
          "--data",
          join(tempDir(), "demo"),
          "--provider-port",
          String(provider),
          "--consumer-port",
          String(consumer),
        ],
        cleanEnv({ LOG_LEVEL: "warn" }),
      );
      children.push(run.child);
      await waitFor("both sites to be up", () => run.output().includes("Press Ctrl-C to stop both"), 120_000);
      assert.equal(await healthy(`http://127.0.0.1:${provider}`), true);
      assert.equal(await healthy(`http://127.0.0.2:${consumer}`), true);
      const exit = exited(run.child);
      send(run.child);
      const { code, signal } = await exit;
      assert.deepEqual([code, signal], [0, null], run.output());
      assert.equal(await refused(provider, "127.0.0.1"), true, "the provider's port is closed");
      assert.equal(await refused(consumer, "127.0.0.2"), true, "the consumer's port is closed");
      assert.match(run.output(), /Stopping both sites/);
    });
  }
});
