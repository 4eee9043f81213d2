// The task runner polls the database every second: a database that refuses or drops connections makes
// a poll fail, which is logged, and the next poll tries again; it never ends the process.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { AppContext } from "../app/context.js";
import { parseConfig } from "../config/config.js";
import { openDatabase } from "../db/database.js";
import { FakeClock } from "../shared/clock.js";
import { JobQueue } from "./queue.js";

describe("the task runner on a database that does not answer", () => {
  it("logs each failed poll and polls again", async () => {
    const lines: Array<{ msg: string; err?: string }> = [];
    const log = pino({ level: "warn" }, { write: (s: string) => lines.push(JSON.parse(s)) });
    // Nothing listens on port 1: every connection is refused.
    const handle = openDatabase("postgres://postgres@127.0.0.1:1/none", { poolSize: 1 });
    const clock = new FakeClock(new Date());
    const jobs = new JobQueue(handle.db, handle.engine, clock);
    const ctx: AppContext = {
      db: handle.db,
      engine: handle.engine,
      config: parseConfig({}),
      clock,
      log,
      jobs,
    };
    jobs.attach(ctx);
    try {
      await jobs.tick();
      await jobs.tick();
      const failed = lines.filter((l) => l.msg === "task runner tick failed");
      assert.equal(failed.length, 2, JSON.stringify(lines));
      assert.match(failed[0]?.err ?? "", /ECONNREFUSED|connect/);
    } finally {
      await jobs.stop(0);
      await handle.close();
    }
  });
});
