// Task types are declared as data by features; the runner knows nothing of what they do.
import type { AppContext } from "../app/context.js";

export interface TaskResult {
  /** One line for the task log, e.g. "sent 12 grades, 1 failed". */
  message: string;
  /**
   * Jobs only: the work cannot be done now (another node is doing it) and the job should run again
   * at this time. Not a failure: the attempt is not counted.
   */
  runAgainAt?: Date;
}

/** What a handler is told about its run. */
export interface TaskRun {
  /**
   * Aborted when the process stops and the grace period is over: the handler gives up (outbound
   * requests take the signal) and its job runs again later. Work that must not be half-done is
   * written in one transaction, or is safe to repeat.
   */
  signal: AbortSignal;
}

export interface TaskDefinition {
  name: string;
  description: string;
  /** Present for scheduled tasks: how often they run. Schedules are data. */
  schedule?: { intervalSeconds: number };
  /** Ad-hoc jobs of this type are tried this many times in all. */
  maxAttempts: number;
  /** Seconds to wait before attempt `attempt + 1` (attempt counts from 1). */
  backoffSeconds: (attempt: number) => number;
  handler: (ctx: AppContext, payload: unknown, run: TaskRun) => Promise<TaskResult | undefined>;
}

export const exponentialBackoff =
  (baseSeconds: number, maxSeconds = 3600) =>
  (attempt: number): number =>
    Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));

const tasks = new Map<string, TaskDefinition>();

export function registerTask(def: TaskDefinition): void {
  if (tasks.has(def.name)) throw new Error(`task ${def.name} registered twice`);
  tasks.set(def.name, def);
}

export function findTask(name: string): TaskDefinition | undefined {
  return tasks.get(name);
}

export function listTasks(): TaskDefinition[] {
  return [...tasks.values()].sort((a, b) => a.name.localeCompare(b.name));
}
