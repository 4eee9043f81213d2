// WAL checkpoints of a SQLite file off the main thread. SQLite checkpoints automatically on the
// connection that commits (once the WAL passes 1,000 pages), and a checkpoint fsyncs the WAL and the
// database file: on Pluto's one synchronous connection that stalled every request in flight for the
// checkpoint's duration (several times a second under load). Here the main connection does not
// checkpoint by itself; a worker thread with its own connection runs `wal_checkpoint(PASSIVE)` on a
// timer, which copies committed pages into the database without taking the write lock.
import { statSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { Worker } from "node:worker_threads";

/** A worker's checkpoint: frames in the WAL, frames copied into the database, whether it was busy. */
export interface CheckpointReport {
  log: number;
  checkpointed: number;
  busy: boolean;
}

export interface CheckpointerOptions {
  /** How often the worker checkpoints. */
  intervalMs?: number;
  /**
   * Past this WAL size the main connection checkpoints once itself, right after a worker checkpoint:
   * while writes go on, a checkpoint running beside them never reaches the end of the WAL, and SQLite
   * starts the WAL over only once one has. The leftover is the pages written meanwhile.
   */
  resetBytes?: number;
  /**
   * Past this WAL size (the worker gone quiet or unable to checkpoint, e.g. a reader in another
   * process holding an old snapshot) the main connection checkpoints automatically again, as SQLite
   * does by default, for the rest of its life.
   */
  fallbackBytes?: number;
  /** How long after opening the worker starts. */
  startAfterMs?: number;
  /** How often the main thread looks at the WAL's size. */
  watchMs?: number;
  onWarning?: (message: string, err?: Error) => void;
}

/** SQLite's default wal_autocheckpoint, in pages. */
const DEFAULT_AUTOCHECKPOINT = 1000;

// Runs as the worker (a string, so it needs no file of its own, built or not): checkpoints every
// intervalMs with a busy timeout of 0 (a checkpoint that would wait is tried again next time) and
// reports each one. `stop` closes the connection and ends the thread.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const db = new DatabaseSync(workerData.path, { timeout: 0 });
const checkpoint = db.prepare("pragma wal_checkpoint(PASSIVE)");
const tick = () => {
  let row;
  try { row = checkpoint.get(); } catch (err) { if (err && err.errcode === 5) return; throw err; }
  parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed, busy: row.busy === 1 });
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage("ready");
`;

export class WalCheckpointer {
  private worker: Worker | undefined;
  private readonly starting: NodeJS.Timeout;
  private readonly watch: NodeJS.Timeout;
  private readonly walPath: string;
  private readonly pageSize: number;
  private readonly resetBytes: number;
  private readonly fallbackBytes: number;
  private readonly warn: (message: string, err?: Error) => void;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  /** The main connection checkpoints by itself again (the worker is gone or cannot keep up). */
  fallback = false;
  /** Checkpoints the worker reported, and the main connection's own (the WAL resets). */
  workerCheckpoints = 0;
  mainCheckpoints = 0;
  last: CheckpointReport | undefined;

  constructor(
    private readonly db: DatabaseSync,
    private readonly path: string,
    private readonly opts: CheckpointerOptions = {},
  ) {
    this.walPath = `${path}-wal`;
    this.pageSize = Number((db.prepare("pragma page_size").get() as { page_size: number }).page_size);
    this.resetBytes = opts.resetBytes ?? 64 * 1024 * 1024;
    this.fallbackBytes = opts.fallbackBytes ?? 256 * 1024 * 1024;
    this.warn = opts.onWarning ?? (() => {});
    // A thread costs some 30 ms of CPU to start: a database open for less than startAfterMs (most
    // tests' databases, a CLI command) never starts one. Until the worker has opened its connection
    // the main connection checkpoints by itself, as SQLite does by default.
    this.starting = setTimeout(() => this.start(), opts.startAfterMs ?? 1000);
    this.starting.unref();
    this.watch = setInterval(() => this.checkSize(), opts.watchMs ?? 1000);
    this.watch.unref();
  }

  private start(): void {
    if (this.stopping || this.fallback) return;
    const worker = new Worker(WORKER, {
      eval: true,
      execArgv: [],
      workerData: { path: this.path, intervalMs: this.opts.intervalMs ?? 200 },
    });
    this.worker = worker;
    worker.on("message", (m: CheckpointReport | "ready") => this.onMessage(m));
    worker.on("error", (err) => this.fallBack("the WAL checkpoint worker failed", err));
    this.exited = new Promise((resolve) => {
      worker.once("exit", () => {
        if (!this.stopping) this.fallBack("the WAL checkpoint worker exited");
        resolve();
      });
    });
    // Last: listening refs the thread again. Unreferenced, it keeps no process (nor test) running.
    worker.unref();
  }

  private onMessage(m: CheckpointReport | "ready"): void {
    if (this.stopping || !this.db.isOpen) return;
    if (m === "ready") {
      if (!this.fallback) this.db.exec("pragma wal_autocheckpoint = 0");
      return;
    }
    this.workerCheckpoints++;
    this.last = m;
    if (!this.fallback && m.log * this.pageSize > this.resetBytes && !this.db.isTransaction) {
      try {
        this.db.exec("pragma wal_checkpoint(PASSIVE)");
        this.mainCheckpoints++;
      } catch (err) {
        this.warn("a WAL checkpoint on the database connection failed", err as Error);
      }
    }
  }

  private checkSize(): void {
    if (this.fallback || this.stopping) return;
    let size: number;
    try {
      size = statSync(this.walPath).size;
    } catch {
      return; // no WAL file (yet, or it was removed on the last close)
    }
    if (size > this.fallbackBytes)
      this.fallBack(`the WAL reached ${size} bytes: the checkpoint worker is not keeping up`);
  }

  /** The main connection checkpoints automatically again (SQLite's default); the worker may go on. */
  private fallBack(message: string, err?: Error): void {
    if (this.fallback || this.stopping) return;
    this.fallback = true;
    if (this.db.isOpen) this.db.exec(`pragma wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
    this.warn(`${message}; the database connection checkpoints by itself again`, err);
  }

  /** Ends the worker (its connection closed) and waits for it; at most `withinMs`, then it is cut off. */
  async stop(withinMs = 2000): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      clearTimeout(this.starting);
      clearInterval(this.watch);
      this.worker?.postMessage("stop");
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, withinMs);
    });
    await Promise.race([this.exited, late]);
    clearTimeout(timer);
    await this.worker?.terminate();
  }

  /** Stops without waiting (a synchronous close): the thread is cut off. */
  stopNow(): void {
    this.stopping = true;
    clearTimeout(this.starting);
    clearInterval(this.watch);
    void this.worker?.terminate();
  }
}
