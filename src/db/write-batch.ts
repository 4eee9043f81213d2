// Group commit on SQLite, for hot write paths made of many small transactions (LTI launches, grades
// posted by tools). Units of work that become ready to write while another batch is being written
// share the next transaction, so one commit writes each changed page once for the whole batch (the
// tails of the launch log, session, nonce and grade history tables, the users' rows) instead of once
// per unit: the commit was a fifth of a launch's cost. SQLite has one connection and one writer, so
// transactions ran one after the other anyway.
//
// The batch is optimistic: when any unit of work fails (a replayed nonce, a full course, a lost
// race) nothing of the batch is committed and each unit runs again alone, in its own transaction,
// so each one gets exactly the result it would have had without batching.
//
// PostgreSQL keeps one transaction per unit: its connections work in parallel and it commits
// concurrent transactions together already, while one batch writer would make every statement of
// every unit wait for the previous one's round trip (measured: slower).

import type { Kysely } from "kysely";
import type { Db } from "./database.js";
import type { Engine } from "./dialect.js";
import type { Database } from "./schema.js";

interface Job {
  work: (trx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface WriteBatcher {
  /**
   * Runs `work` in a transaction, possibly shared with other units and possibly run twice (when
   * another unit of its batch failed); resolves when it is committed.
   */
  run<T>(work: (trx: Db) => Promise<T>): Promise<T>;
}

const MAX_BATCH = 64;

function batcher(db: Kysely<Database>): WriteBatcher {
  const queue: Job[] = [];
  let draining = false;

  async function runBatch(batch: Job[]): Promise<void> {
    if (batch.length > 1) {
      const values: unknown[] = [];
      try {
        await db.transaction().execute(async (trx) => {
          for (const job of batch) values.push(await job.work(trx));
        });
        batch.forEach((job, i) => {
          job.resolve(values[i]);
        });
        return;
      } catch {
        // A unit failed, or the commit did: nothing was committed. Each unit runs alone below.
      }
    }
    for (const job of batch) {
      try {
        job.resolve(await db.transaction().execute(job.work));
      } catch (err) {
        job.reject(err);
      }
    }
  }

  // Each batch starts on the next turn of the event loop: launches whose reads were waiting for the
  // connection get to run them and join the batch, instead of every launch committing alone.
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  async function drain(): Promise<void> {
    draining = true;
    try {
      do {
        await nextTurn();
        await runBatch(queue.splice(0, MAX_BATCH));
      } while (queue.length > 0);
    } finally {
      draining = false;
    }
  }

  return {
    run<T>(work: (trx: Db) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (!draining) void drain();
      });
    },
  };
}

const batchers = new WeakMap<Kysely<Database>, WriteBatcher>();

/** The batcher of a database handle: batching on SQLite, a transaction per unit on PostgreSQL. */
export function writeBatcher(db: Kysely<Database>, engine: Engine): WriteBatcher {
  let b = batchers.get(db);
  if (!b) {
    b = engine === "sqlite" ? batcher(db) : { run: (work) => db.transaction().execute(work) };
    batchers.set(db, b);
  }
  return b;
}
