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
