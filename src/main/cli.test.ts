import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, Client } from "../../test/support/app.js";
import { testEngines } from "../../test/support/db.js";
import { cleanEnv, type ProcessDatabase, processDatabase, runCli } from "../../test/support/processes.js";
import { parseConfig } from "../config/config.js";
import type { DatabaseHandle } from "../db/database.js";
import { isThrottled, MAX_FAILURES, recordFailure } from "../features/auth/login-throttle.js";
import { routeRegistrars } from "../features/index.js";
import { buildApp } from "../http/app.js";
import { sha256Hex, verifyPassword } from "../shared/secrets.js";
import { createContext } from "./bootstrap.js";

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** One line on stderr, "pluto: <reason>", and exit code 2. */
function assertRefused(
  r: { code: number | null; stdout: string; stderr: string },
  reason: RegExp,
  what: string,
) {
  assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split("\n");
  assert.match(lines[0] ?? "", /^pluto: /, what);
  assert.match(r.stderr, reason, what);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, `${what}: no stack trace`);
}

describe("pluto CLI settings", () => {
  it("stops on a malformed or unknown setting with a one-line reason and exit code 2", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: "eighty" }, /PORT must be a port number/],
      [{ PORT: "70000" }, /PORT must be a port number/],
      [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
      [{ DATABASE_URL: "mysql://db/pluto" }, /DATABASE_URL must be sqlite:PATH or postgres/],
      [{ PLUTO_URL: "ftp://example.org" }, /PLUTO_URL must use http or https/],
      [{ PLUTO_URL: "not a url" }, /PLUTO_URL must be an absolute/],
      [{ TRUST_PROXY: "maybe" }, /TRUST_PROXY must be true or false/],
      [{ PLUTO_ADMIN_PASSWORD: "short" }, /at least 8 characters/],
      [{ PLUTO_DATABSE_URL: "sqlite:x.db" }, /unknown setting PLUTO_DATABSE_URL/],
    ];
    const results = await inBatches(cases, 3, ([env]) => runCli(["migrate"], cleanEnv(env)));
    results.forEach((r, i) => {
      const [env, reason] = cases[i] ?? [{}, /./];
      assertRefused(r, reason, JSON.stringify(env));
      assert.equal(r.stderr.trim().split("\n").length, 1, `${JSON.stringify(env)}: one line`);
      assert.equal(r.stdout, "");
    });
  });
});

for (const engine of testEngines()) {
  describe(`pluto CLI against a ${engine} database`, () => {
    let pdb: ProcessDatabase;
    let db: DatabaseHandle;
    let env: NodeJS.ProcessEnv;
    before(async () => {
      pdb = await processDatabase(engine);
      env = cleanEnv({ DATABASE_URL: pdb.url, LOG_LEVEL: "warn" });
    });
    after(async () => {
      await db?.close();
      await pdb.drop();
    });

    const users = async () => db.db.selectFrom("users").selectAll().orderBy("id").execute();

    it("migrate brings a new database up to date, and again is a no-op", async () => {
      const r = await runCli(["migrate"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /database is up to date/);
      db = pdb.open();
      assert.deepEqual(await users(), [], "migrate creates no user");
      const again = await runCli(["migrate"], env);
      assert.equal(again.code, 0, again.stderr);
    });

    it("user create makes a user who can log in with that password", async () => {
      const r = await runCli(
        [
          "user",
          "create",
          "--username",
          "Carla",
          "--password",
          "carla-pass-1",
          "--email",
          "carla@example.org",
          "--firstname",
          "Carla",
          "--lastname",
          "Diaz",
        ],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /created user carla \(id \d+\)/);
      const [carla] = await users();
      assert.equal(carla?.username, "carla");
      assert.equal(carla?.email, "carla@example.org");
      assert.equal(carla?.site_admin, 0);
      assert.ok(await verifyPassword("carla-pass-1", carla?.password_hash ?? null));
      const admin = await runCli(
        ["user", "create", "--username", "root2", "--password", "root2-pass", "--admin"],
        env,
      );
      assert.equal(admin.code, 0, admin.stderr);
      assert.equal((await users()).find((u) => u.username === "root2")?.site_admin, 1);
    });

    it("token create --user prints a token that works on the API, stored only as a hash", async () => {
      const r = await runCli(["token", "create", "--user", "carla", "--name", "backup script"], env);
      assert.equal(r.code, 0, r.stderr);
      const token = r.stdout.trim();
      assert.match(token, /^pluto_[A-Za-z0-9_-]{30,}$/);
      const row = await db.db
        .selectFrom("api_tokens")
        .selectAll()
        .where("token_hash", "=", sha256Hex(token))
        .executeTakeFirstOrThrow();
      assert.equal(row.name, "backup script");
      assert.ok(!JSON.stringify(await db.db.selectFrom("api_tokens").selectAll().execute()).includes(token));
      // The same database served in this process accepts the token.
      const config = parseConfig({ DATABASE_URL: pdb.url, LOG_LEVEL: "silent" });
      const { ctx, close } = await createContext(config);
      const app = await buildApp(ctx, routeRegistrars);
      try {
        const me = await api(app, token, "GET", "/api/v1/me");
        assert.equal(me.status, 200);
        assert.equal((me.json as { username: string }).username, "carla");
      } finally {
        await app.close();
        await close();
      }
    });

    /** A Pluto served in this process on the CLI's database, for logging in as a browser would. */
    async function withApp(fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<void>) {
      const config = parseConfig({ DATABASE_URL: pdb.url, LOG_LEVEL: "silent" });
      const { ctx, close } = await createContext(config);
      const app = await buildApp(ctx, routeRegistrars);
      try {
        await fn(app);
      } finally {
        await app.close();
        await close();
      }
    }

    it("user reset-password takes a piped password, logs out every session of the user and lifts the login throttle", async () => {
      await withApp(async (app) => {
        const thief = new Client(app);
        await thief.login("carla", "carla-pass-1");
        const laptop = new Client(app);
        await laptop.login("carla", "carla-pass-1");
        assert.equal((await thief.get("/profile")).statusCode, 200);
        // Someone guessed at the lost password until the login was throttled.
        for (let i = 0; i < MAX_FAILURES; i++) await recordFailure(db.db, ["u:carla"], new Date());
        assert.ok(await isThrottled(db.db, ["u:carla"], new Date()));

        const r = await runCli(["user", "reset-password", "Carla"], env, { input: "carla-new-pass\n" });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^reset the password of carla \(id \d+\); ended 2 sessions$/m);
        assert.doesNotMatch(r.stdout, /carla-new-pass|new password:/, "a piped password is not echoed");

        assert.equal((await thief.get("/profile")).statusCode, 401, "the old sessions are over");
        assert.equal((await laptop.get("/profile")).statusCode, 401);
        await assert.rejects(new Client(app).login("carla", "carla-pass-1"), /login as carla failed: 401/);
        const back = new Client(app);
        await back.login("carla", "carla-new-pass");
        assert.equal((await back.get("/profile")).statusCode, 200);
      });
      const [carla] = await users();
      assert.ok(await verifyPassword("carla-new-pass", carla?.password_hash ?? null));
    });

    it("user reset-password with nothing piped prints a generated password that logs in", async () => {
      const r = await runCli(["user", "reset-password", "root2"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /reset the password of root2 \(id \d+\); ended 0 sessions/);
      const password = /^new password: (\S+)$/m.exec(r.stdout)?.[1] ?? "";
      assert.ok(password.length >= 16, r.stdout);
      await withApp(async (app) => {
        const c = new Client(app);
        await c.login("root2", password);
        assert.equal((await c.get("/admin")).statusCode, 200, "still the site admin");
      });
    });

    it("task run session_cleanup runs the task now and logs it", async () => {
      const r = await runCli(["task", "run", "session_cleanup"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^session_cleanup: ok in \d+ ms — deleted \d+ expired sessions/);
      const log = await db.db
        .selectFrom("task_log")
        .selectAll()
        .where("task", "=", "session_cleanup")
        .execute();
      assert.equal(log.length, 1);
      assert.equal(log[0]?.status, "ok");
      const sched = await db.db
        .selectFrom("scheduled_tasks")
        .selectAll()
        .where("name", "=", "session_cleanup")
        .executeTakeFirstOrThrow();
      assert.equal(sched.last_status, "ok");
    });

    it("refuses bad commands with a one-line reason and exit code 2, writing nothing", async () => {
      const before = await users();
      const tokens = (await db.db.selectFrom("api_tokens").select("id").execute()).length;
      const logs = (await db.db.selectFrom("task_log").select("id").execute()).length;
      const cases: Array<[string[], RegExp]> = [
        [["user", "create", "--username", "dora"], /password/i],
        [
          ["user", "create", "--username", "bad name", "--password", "long-enough"],
          /Username may contain only/,
        ],
        [
          ["user", "create", "--username", "dora", "--password", "long-enough", "--email", "nope"],
          /Email address is not valid/,
        ],
        [["user", "create", "--username", "carla", "--password", "long-enough"], /already taken/],
        [["token", "create", "--user", "nobody"], /no user named nobody/],
        [["task", "run", "no_such_task"], /Scheduled task no_such_task not found/],
        [["user", "reset-password", "nobody"], /User nobody not found/],
        [["user", "reset-password"], /needs one username/],
        [["user", "reset-password", "carla", "dora"], /needs one username/],
      ];
      // Mistakes that do not depend on the database are checked once.
      if (engine === "sqlite") {
        cases.push([["token", "create"], /--user is required/], [["task", "run"], /needs a task name/]);
      }
      const results = await inBatches(cases, 3, ([args]) => runCli(args, env));
      results.forEach((r, i) => {
        const [args, reason] = cases[i] ?? [[], /./];
        assertRefused(r, reason, args.join(" "));
        assert.equal(r.stderr.trim().split("\n").length, 1, `${args.join(" ")}: one line`);
      });
      const piped: Array<[string[], string, RegExp]> = [
        [["user", "reset-password", "carla"], "short\n", /Password must be at least 8 characters/],
        [["user", "reset-password", "carla"], "\n", /Password must be at least 8 characters/],
        [["user", "reset-password", "carla", "--stdin"], "", /Password must be at least 8 characters/],
        [["user", "reset-password", "nobody"], "long-enough-1\n", /User nobody not found/],
      ];
      const pipedResults = await inBatches(piped, 3, ([args, input]) => runCli(args, env, { input }));
      pipedResults.forEach((r, i) => {
        const [args, input, reason] = piped[i] ?? [[], "", /./];
        assertRefused(r, reason, `${JSON.stringify(input)} | ${args.join(" ")}`);
      });
      if (engine === "sqlite") {
        const [typo, unknown] = await Promise.all([
          runCli(["user", "create", "--username", "dora", "--pasword", "long-enough"], env),
          runCli(["frobnicate"], env),
        ]);
        assertRefused(
          typo,
          /Unknown option '--pasword'[^\n]*\nUsage: pluto/,
          "a mistyped option, then the usage",
        );
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^Usage: pluto <command>/);
      }
      const now = await users();
      assert.deepEqual(
        now.map((u) => u.username).filter((n) => n !== "admin"),
        before.map((u) => u.username).filter((n) => n !== "admin"),
        "no user created",
      );
      assert.deepEqual(
        now.map((u) => [u.username, u.password_hash]),
        before.map((u) => [u.username, u.password_hash]),
        "no password changed",
      );
      assert.equal((await db.db.selectFrom("api_tokens").select("id").execute()).length, tokens);
      assert.equal((await db.db.selectFrom("task_log").select("id").execute()).length, logs);
    });
  });
}
