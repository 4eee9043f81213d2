import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Worker } from "node:worker_threads";
import { openSqlite, type PlutoSqlite } from "./sqlite.js";
import type { CheckpointerOptions } from "./wal-checkpointer.js";

const MB = 1024 * 1024;

function run(db: PlutoSqlite, text: string, ...params: unknown[]) {
  return db.prepare(text).run(params);
}
function get(db: PlutoSqlite, text: string): Record<string, unknown> | undefined {
  return db.prepare(text).all([])[0] as Record<string, unknown> | undefined;
}

/** About 9 MB of pages (over 2,000, twice SQLite's automatic checkpoint) in 30 transactions. */
function writeMany(db: PlutoSqlite) {
  for (let t = 0; t < 30; t++) {
    run(db, "begin");
    for (let i = 0; i < 70; i++) run(db, "insert into blobs (b) values (randomblob(4000))");
    run(db, "commit");
  }
}

async function until(what: string, ok: () => boolean, withinMs = 20_000) {
  const end = Date.now() + withinMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`still not: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("WAL checkpoints on a worker thread", () => {
  let dir: string;
  let n = 0;
  const opened: PlutoSqlite[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pluto-wal-"));
  });
  after(() => {
    for (const db of opened) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(checkpoints: CheckpointerOptions | false) {
    const path = join(dir, `t${++n}.db`);
    const db = openSqlite(path, { checkpoints });
    opened.push(db);
    run(db, "create table blobs (id integer primary key, b blob)");
    if (checkpoints !== false)
      await until(
        "the worker took over",
        () => get(db, "pragma wal_autocheckpoint")?.wal_autocheckpoint === 0,
      );
    return { db, wal: () => statSync(`${path}-wal`).size, path };
  }

  it("leaves the WAL unchecked by the connection that writes, while SQLite's default would checkpoint it", async () => {
    const byWorker = await open({ startAfterMs: 0, intervalMs: 3_600_000 });
    writeMany(byWorker.db);
    assert.ok(byWorker.wal() > 8 * MB, `WAL ${byWorker.wal()}`);
    assert.equal(byWorker.db.checkpointer?.workerCheckpoints, 0);

    const byDefault = await open(false);
    writeMany(byDefault.db);
    assert.ok(byDefault.wal() <= 5 * MB, `WAL ${byDefault.wal()}`);
  });

  it("has the worker copy the WAL into the database, so the next write starts it over", async () => {
    const { db, wal } = await open({ startAfterMs: 0, intervalMs: 50 });
    writeMany(db);
    const c = db.checkpointer;
    assert.ok(c);
    await until(
      "the worker checkpointed everything",
      () => !!c.last && c.last.log > 2000 && c.last.checkpointed === c.last.log,
    );
    // A write starts the WAL over once nothing reads the old frames; the worker's next checkpoint may
    // be running at that moment, and then a later write does it.
    let writes = 0;
    do {
      if (writes > 0) await sleep(20);
      run(db, "insert into blobs (b) values (x'00')");
      writes++;
    } while (wal() > 4 * MB && writes < 50);
    assert.ok(wal() <= 4 * MB, `WAL ${wal()} after ${writes} writes`);
    assert.equal(c.mainCheckpoints, 0);
    assert.equal(c.fallback, false);
    assert.equal(get(db, "select count(*) as n from blobs")?.n, 30 * 70 + writes);
  });

  it("checkpoints on the connection once the WAL passes resetBytes, right after a worker checkpoint", async () => {
    const { db } = await open({ startAfterMs: 0, intervalMs: 50, resetBytes: 2 * MB });
    writeMany(db);
    const c = db.checkpointer;
    assert.ok(c);
    await until("the connection checkpointed", () => c.mainCheckpoints > 0);
    assert.equal(c.fallback, false);
  });

  it("goes back to SQLite's own checkpoints, and says so, when the worker is gone", async () => {
    const warnings: string[] = [];
    const { db, wal } = await open({
      startAfterMs: 0,
      intervalMs: 3_600_000,
      onWarning: (m) => warnings.push(m),
    });
    const c = db.checkpointer;
    assert.ok(c);
    await (c as unknown as { worker: Worker }).worker.terminate();
    await until("the fallback", () => c.fallback);
    assert.equal(get(db, "pragma wal_autocheckpoint")?.wal_autocheckpoint, 1000);
    assert.match(
      warnings.join("\n"),
      /checkpoint worker exited; the database connection checkpoints by itself again/,
    );
    writeMany(db);
    assert.ok(wal() <= 5 * MB, `WAL ${wal()}`);
  });

  it("goes back to SQLite's own checkpoints when the WAL passes fallbackBytes", async () => {
    const warnings: string[] = [];
    const { db } = await open({
      startAfterMs: 0,
      intervalMs: 3_600_000,
      fallbackBytes: 4 * MB,
      watchMs: 20,
      onWarning: (m) => warnings.push(m),
    });
    writeMany(db);
    await until("the fallback", () => db.checkpointer?.fallback === true);
    assert.equal(get(db, "pragma wal_autocheckpoint")?.wal_autocheckpoint, 1000);
    assert.match(warnings.join("\n"), /the checkpoint worker is not keeping up/);
  });

  it("empties the WAL on close, even while another connection keeps the database open", async () => {
    const { db, wal, path } = await open({ startAfterMs: 0, intervalMs: 3_600_000 });
    const other = new DatabaseSync(path);
    try {
      other.prepare("select count(*) from blobs").get();
      writeMany(db);
      assert.ok(wal() > 8 * MB);
      await db.stopCheckpointer();
      db.close();
      opened.splice(opened.indexOf(db), 1);
      assert.equal(wal(), 0);
      assert.equal((other.prepare("select count(*) as n from blobs").get() as { n: number }).n, 30 * 70);
    } finally {
      other.close();
    }
  });

  it("runs no worker for an in-memory database", () => {
    const db = openSqlite(":memory:");
    assert.equal(db.checkpointer, undefined);
    db.close();
    assert.equal(existsSync(":memory:-wal"), false);
  });

  it("lets the process exit by itself, with one database closed and others left open", () => {
    const script = `
      import { openSqlite } from ${JSON.stringify(join(import.meta.dirname, "sqlite.ts"))};
      const a = openSqlite(${JSON.stringify(join(dir, "exit-a.db"))}, { checkpoints: { startAfterMs: 0 } });
      const b = openSqlite(${JSON.stringify(join(dir, "exit-b.db"))}, { checkpoints: { startAfterMs: 0 } });
      const c = openSqlite(${JSON.stringify(join(dir, "exit-c.db"))});
      for (const db of [a, b, c]) db.prepare("create table t (x)").run([]);
      const workers = () => [a, b, c].filter((db) => db.prepare("pragma wal_autocheckpoint").all([])[0].wal_autocheckpoint === 0);
      while (workers().length < 3) await new Promise((r) => setTimeout(r, 20));
      await a.stopCheckpointer();
      a.close();
      console.log("workers started");
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      timeout: 30_000,
      encoding: "utf8",
    });
    assert.equal(child.signal, null, "the process did not exit by itself");
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /workers started/);
  });

  it("starts no worker for a database closed sooner than startAfterMs", async () => {
    const late = openSqlite(join(dir, "late.db"), { checkpoints: { startAfterMs: 200 } });
    late.prepare("create table t (x)").run([]);
    late.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(late.checkpointer?.workerCheckpoints, 0);
    assert.equal((late.checkpointer as unknown as { worker?: Worker }).worker, undefined);
  });
});
