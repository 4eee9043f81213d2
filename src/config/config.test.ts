import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "./config.js";

describe("configuration", () => {
  it("defaults to port 3000, a localhost public URL and ./data/pluto.db", () => {
    const c = parseConfig({}, "/srv/pluto");
    assert.equal(c.port, 3000);
    assert.equal(c.publicUrl, "http://localhost:3000");
    assert.equal(c.databaseUrl, "sqlite:/srv/pluto/data/pluto.db");
    assert.equal(c.trustProxy, false);
    assert.equal(c.timezone, "UTC");
    assert.equal(c.shutdownTimeoutMs, 10_000);
  });

  it("takes the shutdown grace period from PLUTO_SHUTDOWN_TIMEOUT_MS", () => {
    assert.equal(parseConfig({ PLUTO_SHUTDOWN_TIMEOUT_MS: "2500" }).shutdownTimeoutMs, 2500);
    assert.equal(parseConfig({ PLUTO_SHUTDOWN_TIMEOUT_MS: "0" }).shutdownTimeoutMs, 0);
  });

  it("has database and slow-client timeouts by default, each settable, and refuses a malformed one", () => {
    const c = parseConfig({});
    assert.equal(c.dbStatementTimeoutMs, 10_000);
    assert.equal(c.dbLockTimeoutMs, 5_000);
    assert.equal(c.httpHeadersTimeoutMs, 10_000);
    assert.equal(c.httpRequestTimeoutMs, 30_000);
    assert.equal(c.httpKeepAliveTimeoutMs, 72_000);
    assert.equal(c.httpMaxConnections, 1_000);
    const set = parseConfig({
      PLUTO_DB_STATEMENT_TIMEOUT_MS: "2000",
      PLUTO_DB_LOCK_TIMEOUT_MS: "500",
      PLUTO_HTTP_HEADERS_TIMEOUT_MS: "300",
      PLUTO_HTTP_REQUEST_TIMEOUT_MS: "600",
      PLUTO_HTTP_KEEP_ALIVE_TIMEOUT_MS: "400",
      PLUTO_HTTP_MAX_CONNECTIONS: "5",
    });
    assert.deepEqual(
      [
        set.dbStatementTimeoutMs,
        set.dbLockTimeoutMs,
        set.httpHeadersTimeoutMs,
        set.httpRequestTimeoutMs,
        set.httpKeepAliveTimeoutMs,
        set.httpMaxConnections,
      ],
      [2000, 500, 300, 600, 400, 5],
    );
    for (const [name, value] of [
      ["PLUTO_DB_STATEMENT_TIMEOUT_MS", "0"],
      ["PLUTO_DB_LOCK_TIMEOUT_MS", "5s"],
      ["PLUTO_HTTP_MAX_CONNECTIONS", "-1"],
      ["PLUTO_HTTP_KEEP_ALIVE_TIMEOUT_MS", "1.5"],
    ] as const) {
      assert.throws(
        () => parseConfig({ [name]: value }),
        (e: Error) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, new RegExp(name));
          return true;
        },
      );
    }
    assert.throws(
      () => parseConfig({ PLUTO_HTTP_HEADERS_TIMEOUT_MS: "20000", PLUTO_HTTP_REQUEST_TIMEOUT_MS: "10000" }),
      /must not exceed PLUTO_HTTP_REQUEST_TIMEOUT_MS/,
    );
  });

  it("takes the site time zone from PLUTO_TIMEZONE", () => {
    assert.equal(parseConfig({ PLUTO_TIMEZONE: "Australia/Sydney" }).timezone, "Australia/Sydney");
    assert.equal(parseConfig({ PLUTO_TIMEZONE: "" }).timezone, "UTC");
  });

  it("reads LOG_FORMAT as json or pretty, and otherwise decides by the terminal (auto)", () => {
    assert.equal(parseConfig({}).logFormat, "auto");
    assert.equal(parseConfig({ LOG_FORMAT: "json" }).logFormat, "json");
    assert.equal(parseConfig({ LOG_FORMAT: "Pretty" }).logFormat, "pretty");
    assert.equal(parseConfig({ LOG_FORMAT: "" }).logFormat, "auto");
  });

  it("builds the public URL from PORT and strips a trailing slash from PLUTO_URL", () => {
    assert.equal(parseConfig({ PORT: "8080" }).publicUrl, "http://localhost:8080");
    assert.equal(parseConfig({ PLUTO_URL: "https://lms.example.edu/" }).publicUrl, "https://lms.example.edu");
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ["a non-numeric port", { PORT: "abc" }, /PORT/],
    ["a port above 65535", { PORT: "70000" }, /PORT/],
    ["a relative PLUTO_URL", { PLUTO_URL: "lms.example.edu" }, /PLUTO_URL/],
    ["an ftp PLUTO_URL", { PLUTO_URL: "ftp://x" }, /PLUTO_URL/],
    ["a PLUTO_URL with a path", { PLUTO_URL: "https://lms.example.edu/pluto" }, /PLUTO_URL must be the root/],
    ["an unknown database", { DATABASE_URL: "mysql://x" }, /DATABASE_URL/],
    ["an unknown log level", { LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    ["an unknown log format", { LOG_FORMAT: "xml" }, /LOG_FORMAT must be one of auto, json, pretty/],
    ["a malformed TRUST_PROXY", { TRUST_PROXY: "maybe" }, /TRUST_PROXY/],
    ["an unknown PLUTO_TIMEZONE", { PLUTO_TIMEZONE: "Mars/Olympus_Mons" }, /PLUTO_TIMEZONE/],
    [
      "a shutdown grace period that is not a number",
      { PLUTO_SHUTDOWN_TIMEOUT_MS: "10s" },
      /PLUTO_SHUTDOWN_TIMEOUT_MS/,
    ],
    ["a negative shutdown grace period", { PLUTO_SHUTDOWN_TIMEOUT_MS: "-1" }, /PLUTO_SHUTDOWN_TIMEOUT_MS/],
    [
      "a shutdown grace period over ten minutes",
      { PLUTO_SHUTDOWN_TIMEOUT_MS: "600001" },
      /PLUTO_SHUTDOWN_TIMEOUT_MS/,
    ],
    ["a short admin password", { PLUTO_ADMIN_PASSWORD: "short" }, /PLUTO_ADMIN_PASSWORD/],
    ["an unknown PLUTO_ setting", { PLUTO_URLL: "http://x" }, /unknown setting PLUTO_URLL/],
  ];
  for (const [what, env, message] of bad) {
    it(`stops start-up with a one-line reason on ${what}`, () => {
      assert.throws(
        () => parseConfig(env),
        (err: unknown) =>
          err instanceof ConfigError && message.test(err.message) && !err.message.includes("\n"),
      );
    });
  }
});
