// What an operator sees on start-up: the first admin's credentials in a box, the one line saying
// why PLUTO_ADMIN_PASSWORD did nothing on an existing database, and log lines in the format that
// suits where they go (JSON for machines, readable at a terminal), with no secret in either.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { testEngines } from "../../test/support/db.js";
import { type ProcessDatabase, processDatabase } from "../../test/support/processes.js";
import { type Config, parseConfig } from "../config/config.js";
import { findUserByUsername } from "../features/users/users.service.js";
import { verifyPassword } from "../shared/secrets.js";
import { adminBanner, createContext, createLogger, ensureAdmin } from "./bootstrap.js";
import { formatLogLine } from "./log-lines.js";
import { redactUrl } from "./log-redaction.js";

/** Collects what a logger writes. */
function sink() {
  let text = "";
  return {
    write: (s: string) => {
      text += s;
    },
    text: () => text,
    json: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("the first start's admin banner", () => {
  it("frames URL, username and password in a box of equal lines that grep finds", () => {
    const banner = adminBanner("https://lms.example.edu", "Xy7pQ2rT9wKm4nBv");
    const lines = banner.split("\n").filter(Boolean);
    assert.match(lines[0] ?? "", /^\+=+\+$/);
    assert.equal(lines.at(-1), lines[0], "closed at the bottom by the same rule");
    assert.deepEqual(new Set(lines.map((l) => l.length)).size, 1, "every line as wide as the box");
    for (const l of lines.slice(1, -1)) assert.match(l, /^\| .* \|$/);
    assert.ok(lines.some((l) => /^\|\s+URL:\s+https:\/\/lms\.example\.edu\s+\|$/.test(l)));
    assert.ok(lines.some((l) => /^\|\s+Username: admin\s+\|$/.test(l)));
    assert.equal(/^\|\s+Password: (\S+)\s+\|$/m.exec(banner)?.[1], "Xy7pQ2rT9wKm4nBv");
    assert.match(banner, /printed only this once/);
    assert.match(banner, /pluto user reset-password admin/);
  });

  it("names the setting instead of a password it did not generate", () => {
    const banner = adminBanner("http://localhost:3000", undefined);
    assert.match(banner, /Password: \(the one in PLUTO_ADMIN_PASSWORD\)/);
  });
});

for (const engine of testEngines()) {
  describe(`the first admin and PLUTO_ADMIN_PASSWORD (${engine})`, () => {
    // A database that outlives each start, as a site's does between restarts.
    let tdb: ProcessDatabase;
    before(async () => {
      tdb = await processDatabase(engine);
    });
    after(() => tdb.drop());

    async function start(env: Record<string, string>) {
      const out = sink();
      const config = parseConfig({ DATABASE_URL: tdb.url, LOG_LEVEL: "info", ...env });
      const { ctx, close } = await createContext(config, {
        poolSize: 2,
        log: createLogger(config, { tty: false, out }),
      });
      try {
        return { result: await ensureAdmin(ctx), lines: out.json() };
      } finally {
        await close();
      }
    }

    it("creates admin with PLUTO_ADMIN_PASSWORD on the first start, and says nothing of it", async () => {
      const first = await start({ PLUTO_ADMIN_PASSWORD: "first-start-pass" });
      assert.deepEqual(first.result, { created: true, password: undefined });
      assert.deepEqual(
        first.lines.filter((l) => String(l.msg).includes("PLUTO_ADMIN_PASSWORD")),
        [],
      );
    });

    it("on a database that has its admin, says in one warning line that the setting was ignored and why", async () => {
      const again = await start({ PLUTO_ADMIN_PASSWORD: "a-different-pass" });
      assert.deepEqual(again.result, { created: false });
      const said = again.lines.filter((l) => String(l.msg).includes("PLUTO_ADMIN_PASSWORD"));
      assert.equal(said.length, 1, JSON.stringify(again.lines));
      assert.equal(said[0]?.level, 40, "a warning");
      assert.match(String(said[0]?.msg), /ignored: the database already has its admin/);
      assert.match(String(said[0]?.msg), /only on the first start/);
      assert.match(String(said[0]?.msg), /pluto user reset-password admin/);
      assert.ok(!JSON.stringify(again.lines).includes("a-different-pass"), "the password is not logged");
      const db = tdb.open();
      try {
        const stored = await findUserByUsername(db.db, "admin");
        assert.ok(await verifyPassword("first-start-pass", stored?.passwordHash ?? null), "password kept");
      } finally {
        await db.close();
      }
    });

    it("without the setting says nothing on a later start", async () => {
      const later = await start({});
      assert.deepEqual(later.result, { created: false });
      assert.deepEqual(
        later.lines.filter((l) => String(l.msg).includes("PLUTO_ADMIN_PASSWORD")),
        [],
      );
    });
  });
}

describe("log format", () => {
  const config = (env: Record<string, string>): Config => parseConfig({ LOG_LEVEL: "info", ...env });
  const secretEntry = {
    req: {
      method: "POST",
      url: "/login",
      headers: { cookie: "pluto_session=s3ssion-value", authorization: "Bearer t0ken-value" },
    },
    res: { statusCode: 303 },
    responseTime: 4.25,
    user: { password: "pa55word-value", token: "api-t0ken-value" },
  };
  const SECRETS = /s3ssion-value|t0ken-value|pa55word-value|api-t0ken-value/;

  const cases: Array<[string, Record<string, string>, boolean, "json" | "readable"]> = [
    ["not a terminal, no LOG_FORMAT", {}, false, "json"],
    ["a terminal, no LOG_FORMAT", {}, true, "readable"],
    ["a terminal with LOG_FORMAT=json", { LOG_FORMAT: "json" }, true, "json"],
    ["not a terminal with LOG_FORMAT=pretty", { LOG_FORMAT: "pretty" }, false, "readable"],
  ];
  for (const [where, env, tty, expected] of cases) {
    it(`writes ${expected === "json" ? "JSON lines" : "readable lines"} on ${where}, with no secret`, () => {
      const out = sink();
      const log = createLogger(config(env), { tty, out });
      log.info(secretEntry, "request completed");
      const text = out.text();
      assert.doesNotMatch(text, SECRETS);
      if (expected === "json") {
        const [line] = out.json();
        assert.equal(line?.msg, "request completed");
        assert.deepEqual(line?.res, { statusCode: 303 });
      } else {
        assert.throws(() => JSON.parse(text));
        assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request completed POST \/login 303 4\.3ms /);
        assert.match(text, /user=\{"password":"\[redacted\]","token":"\[redacted\]"\}/);
        assert.equal(text.split("\n").filter(Boolean).length, 1);
      }
    });
  }

  it("puts an error's stack under its line, and passes text that is not pino's JSON through", () => {
    const err = new Error("database went away");
    const line = formatLogLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: "unhandled error",
        err: { message: err.message, stack: err.stack },
      }),
    );
    assert.match(
      line,
      /^\d\d:\d\d:\d\d\.000 ERROR unhandled error\n {4}Error: database went away\n {4}at \S/,
    );
    assert.equal(formatLogLine("plain words"), "plain words\n");
  });
});

describe("URL redaction", () => {
  it("hides a Dynamic Registration token in a registration URL, keeping the other parameters", () => {
    assert.equal(
      redactUrl("/register?openid_configuration=https%3A%2F%2Fpluto.example%2Flti&registration_token=ey.J.x"),
      "/register?openid_configuration=https%3A%2F%2Fpluto.example%2Flti&registration_token=[redacted]",
    );
  });

  it("hides the token of Pluto's own Registration URL (tool side) in its path", () => {
    assert.equal(
      redactUrl(
        "/lti/tool/register/AbC_-123?openid_configuration=https%3A%2F%2Flms.example&registration_token=t",
      ),
      "/lti/tool/register/[redacted]?openid_configuration=https%3A%2F%2Flms.example&registration_token=[redacted]",
    );
  });
});
