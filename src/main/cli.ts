#!/usr/bin/env node
// `pluto serve | migrate | user create | user reset-password | token create | task run NAME | task list`.
// The only code that reads process.env.
import { parseArgs } from "node:util";
import "dotenv/config";
import { ConfigError, parseConfig, plutoEnv } from "../config/config.js";
import { clearFailures } from "../features/auth/login-throttle.js";
import {
  createApiToken,
  createUser,
  findUserByUsername,
  resetPassword,
} from "../features/users/users.service.js";
import { listTasks } from "../jobs/registry.js";
import { AppError, ValidationError } from "../shared/errors.js";
import { randomPassword } from "../shared/secrets.js";
import { createContext } from "./bootstrap.js";
import { serve } from "./server.js";

const USAGE = `Usage: pluto <command>
  serve                          start the web server and task runner
  migrate                        bring the database schema up to date
  user create --username U --password P [--email E --firstname F --lastname L --admin]
  user reset-password U [--stdin]   set a new password for U and end U's sessions: read from
                                 stdin when it is piped (or with --stdin), else generated and printed
  token create --user U [--name N]   print a new API token for user U
  task run NAME                  run a scheduled task now
  task list                      list the task types`;

async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  const config = parseConfig(plutoEnv(process.env));
  if (cmd === "serve" || cmd === undefined) {
    await serve(config);
    return -1; // keeps running
  }
  if (cmd === "migrate") {
    const { close } = await createContext(config);
    await close();
    console.log("database is up to date");
    return 0;
  }
  if (cmd === "task" && sub === "list") {
    for (const t of listTasks())
      console.log(
        `${t.name}\t${t.schedule ? `every ${t.schedule.intervalSeconds}s` : "ad hoc"}\t${t.description}`,
      );
    return 0;
  }
  const { ctx, close } = await createContext(config, { poolSize: 2 });
  try {
    if (cmd === "user" && sub === "create") {
      const { values } = parseArgs({
        args: rest,
        options: {
          username: { type: "string" },
          password: { type: "string" },
          email: { type: "string" },
          firstname: { type: "string" },
          lastname: { type: "string" },
          admin: { type: "boolean" },
        },
      });
      const { admin, ...input } = values;
      const user = await createUser(ctx.db, ctx.clock, input, { siteAdmin: admin ?? false });
      console.log(`created user ${user.username} (id ${user.id})`);
      return 0;
    }
    if (cmd === "user" && sub === "reset-password") {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { stdin: { type: "boolean" } },
        allowPositionals: true,
      });
      const [username, ...extra] = positionals;
      if (!username || extra.length > 0)
        throw new ValidationError("user reset-password needs one username (pluto user reset-password U)");
      const piped = values.stdin ? await readStdin() : process.stdin.isTTY ? "" : await readStdin();
      // Nothing piped (e.g. stdin is /dev/null) and no --stdin: a generated password, printed below.
      const generated = !values.stdin && piped === "";
      const password = generated ? randomPassword() : piped.replace(/\r?\n$/, "");
      const { user, sessionsEnded } = await resetPassword(ctx.db, ctx.clock, username, password);
      // The lost password may have been guessed at until the login was throttled.
      await clearFailures(ctx.db, `u:${user.username}`);
      console.log(
        `reset the password of ${user.username} (id ${user.id}); ended ${sessionsEnded} ${sessionsEnded === 1 ? "session" : "sessions"}`,
      );
      if (user.suspended)
        console.log(`note: ${user.username} is suspended and cannot log in until unsuspended`);
      if (generated) console.log(`new password: ${password}`);
      return 0;
    }
    if (cmd === "token" && sub === "create") {
      const { values } = parseArgs({
        args: rest,
        options: { user: { type: "string" }, name: { type: "string" } },
      });
      if (!values.user) throw new ValidationError("--user is required");
      const user = await findUserByUsername(ctx.db, values.user.toLowerCase());
      if (!user) throw new ValidationError(`no user named ${values.user}`);
      const { token } = await createApiToken(ctx.db, ctx.clock, user.id, values.name ?? "CLI token");
      console.log(token);
      return 0;
    }
    if (cmd === "task" && sub === "run") {
      const name = rest[0];
      if (!name) throw new ValidationError("task run needs a task name (see pluto task list)");
      const summary = await ctx.jobs.runNow(name);
      await ctx.jobs.runDueJobs();
      console.log(
        `${summary.task}: ${summary.status} in ${summary.durationMs} ms${summary.message ? ` — ${summary.message}` : ""}`,
      );
      return summary.status === "ok" ? 0 : 1;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await close();
  }
}

/**
 * All of stdin as text (the password of `user reset-password`). A terminal, or a pipe that stays
 * open (`ssh host pluto …` without input), is told on stderr what is being waited for.
 */
async function readStdin(): Promise<string> {
  const hint = () =>
    process.stderr.write(
      "pluto: reading the new password from stdin; end it with Enter and Ctrl-D (stdin from /dev/null generates one)\n",
    );
  if (process.stdin.isTTY) hint();
  const timer = process.stdin.isTTY ? undefined : setTimeout(hint, 3000).unref();
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof AppError) {
      console.error(`pluto: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`pluto: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(`pluto: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
