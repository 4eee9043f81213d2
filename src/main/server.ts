// `pluto serve`: migrate, create the first admin, serve HTTP and run tasks until a signal.
import type { Config } from "../config/config.js";
import { routeRegistrars } from "../features/index.js";
import { buildApp } from "../http/app.js";
import { adminBanner, createContext, ensureAdmin } from "./bootstrap.js";

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
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, "shutting down");
    await app.close();
    await close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}
