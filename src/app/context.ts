// What the application is made of, apart from any way of reaching it: the database, the settings,
// the clock, the log and the job queue. Routes, services and task handlers all take these; nothing
// here knows HTTP, so a job can do whatever a request can.
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import type { Db } from "../db/database.js";
import type { Engine } from "../db/dialect.js";
import type { JobQueue } from "../jobs/queue.js";
import type { Clock } from "../shared/clock.js";

/** What every route and task handler may use: built once per process. */
export interface AppContext {
  db: Db;
  engine: Engine;
  config: Config;
  clock: Clock;
  log: Logger;
  jobs: JobQueue;
}

/**
 * The parts of the context a use case may need besides the database handle, which it takes first
 * (the caller's transaction, or the database). Services ask for a `Pick` of these.
 */
export type Deps = Omit<AppContext, "db">;

/** The logged-in user as routes and services see them. */
export interface Actor {
  id: number;
  username: string;
  firstname: string;
  lastname: string;
  email: string;
  siteAdmin: boolean;
  auth: string;
  lang: string;
  /** The profile's time zone as stored; "" for the site default (see PageContext.timeZone). */
  timezone: string;
}
