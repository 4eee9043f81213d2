// The launch log as the LTI features use it: lti-provider records launches in and lists them on the
// launch log pages, lti-consumer records launches out. The table is launch-log.repository.ts's.
import type { Db } from "../../db/database.js";
import * as repo from "./launch-log.repository.js";

export type { LaunchLogEntry, LaunchLogRow } from "./launch-log.repository.js";

/** Records one launch, in or out, at `at`. */
export function writeLaunchLog(db: Db, at: Date, e: repo.LaunchLogEntry): Promise<void> {
  return repo.writeLaunchLog(db, at, e);
}

/** The launch log, newest first, of one course or the whole site, one page at a time. */
export function listLaunchLog(
  db: Db,
  filter: Parameters<typeof repo.listLaunchLog>[1],
): Promise<repo.LaunchLogRow[]> {
  return repo.listLaunchLog(db, filter);
}

/** How many launches the log has of each deployment given (none: absent from the map). */
export function countLaunches(db: Db, deploymentIds: readonly number[]): Promise<Map<number, number>> {
  return repo.countLaunches(db, deploymentIds);
}
