// `pluto serve`: migrate, create the first admin, serve HTTP and run tasks until SIGTERM or SIGINT.
// Stopping: the port closes at once (idle keep-alive connections with it) and the task runner claims
// nothing more; in-flight requests and running jobs have PLUTO_SHUTDOWN_TIMEOUT_MS to finish. Then
// the connections still open are closed and running jobs cut off (given back to the queue, to run
// again), the database is closed and the process exits 0. A second signal, later than a moment
// after the first, exits at once with status 1: npm and a terminal both pass on one Ctrl-C, so the
// same signal often arrives twice within milliseconds.
import type { Config } from "../config/config.js";
import { routeRegistrars } from "../features/index.js";
import { buildApp } from "../http/app.js";
import { adminBanner, createContext, ensureAdmin } from "./bootstrap.js";

/** A signal this soon after the first is the same one passed on twice, not a second request. */
const REPEAT_WINDOW_MS = 1000;
/** Past the grace period, how long cut-off jobs and closing the database may take before exit(1). */
const LAST_RESORT_MS = 10_000;

export async function serve(config: Config): Promise<void> {
  const { ctx, close } = await createContext(config);
  const admin = await ensureAdmin(ctx);
  const app = await buildApp(ctx, routeRegistrars);
  await app.listen({ port: config.port, host: config.host });
  ctx.jobs.start();
  if (admin.created) {
    process.stdout.write(`${adminBanner(config.publicUrl, admin.password)}\n`);
  } else {
    process.stdout.write(`\n  Pluto LMS is running at ${config.publicUrl}\n\n`);
  }

  let stoppingSince: number | undefined;
  const stop = async (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_WINDOW_MS) return;
      ctx.log.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    stoppingSince = Date.now();
    const graceMs = config.shutdownTimeoutMs;
    ctx.log.info({ signal, graceMs }, "shutting down");
    setTimeout(() => {
      ctx.log.error("shutdown did not finish in time; exiting");
      process.exit(1);
    }, graceMs + LAST_RESORT_MS).unref();
    const cutOff = setTimeout(() => {
      ctx.log.warn("shutdown grace period over: closing the connections still open");
      app.server.closeAllConnections();
    }, graceMs);
    try {
      // app.close() stops accepting, ends idle keep-alive connections and waits for the others.
      const [, jobsStopped] = await Promise.all([app.close(), ctx.jobs.stop(graceMs)]);
      clearTimeout(cutOff);
      if (!jobsStopped) ctx.log.warn("a job ignored being cut off; it runs again when its lock ends");
      await close();
    } catch (err) {
      ctx.log.error({ err }, "shutdown failed");
      process.exit(1);
    }
    ctx.log.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", (signal) => void stop(signal));
  process.on("SIGTERM", (signal) => void stop(signal));
}
