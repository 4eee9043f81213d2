// The figures of a bench run, printed as a table to read, and (--markdown) as rows of the table in
// docs/BENCHMARKS.md, each naming its date, machine and engine so it can be pasted as it is.
import { describeMachine, type Machine } from "./machine.js";
import type { OpenLoopResult } from "./open-loop.js";

export interface BenchRow {
  /** The bench's name, e.g. "lti-provider". */
  bench: string;
  /** What is measured, e.g. "launch, returning user". */
  measure: string;
  /** "sqlite", "postgres", or "in process". */
  engine: string;
  /** How the load was made, e.g. "closed, 50 connections" or "open, 500/s". */
  load: string;
  /** Requests per second offered (open loop). */
  offered?: number;
  /** Answers (or operations) per second achieved. */
  achieved: number;
  p50?: number | undefined;
  p90?: number | undefined;
  p99?: number | undefined;
  max?: number | undefined;
  errors: number;
  cpuMsPerRequest?: number | undefined;
  note?: string;
}

const ms = (v: number | undefined) =>
  v === undefined ? "—" : v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
const perSecond = (v: number) => Math.round(v).toLocaleString("en-US");

/** A row of an open-loop run. */
export function openLoopRow(bench: string, measure: string, engine: string, r: OpenLoopResult): BenchRow {
  const notes = [];
  if (!r.keptUp) notes.push(`generator behind: lag p99 ${ms(r.lag.p99)} ms, max ${ms(r.lag.max)} ms`);
  const counts = (keep: (status: string) => boolean) =>
    Object.entries(r.statuses)
      .filter(([s]) => keep(s))
      .map(([s, n]) => `${s}×${n}`)
      .join(", ");
  const isFailure = (s: string) => s === "unanswered" || s.startsWith("error ");
  if (r.unexpected > 0) notes.push(`answers by status: ${counts((s) => !isFailure(s))}`);
  if (r.failed > 0) notes.push(`${r.failed} without an answer: ${counts(isFailure)}`);
  return {
    bench,
    measure,
    engine,
    load: `open, ${perSecond(r.offered)}/s`,
    offered: r.offered,
    achieved: r.achieved,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.unexpected + r.failed,
    cpuMsPerRequest: r.cpuMsPerRequest,
    ...(notes.length ? { note: notes.join("; ") } : {}),
  };
}

export function textTable(rows: BenchRow[]): string {
  const head = [
    "benchmark".padEnd(52),
    "load".padEnd(22),
    "per s".padStart(7),
    "p50 ms".padStart(7),
    "p90 ms".padStart(7),
    "p99 ms".padStart(7),
    "max ms".padStart(7),
    "errors".padStart(6),
    "CPU ms/req".padStart(10),
    " note",
  ].join(" ");
  const lines = rows.map((r) =>
    [
      `${r.engine}: ${r.measure}`.padEnd(52),
      r.load.padEnd(22),
      perSecond(r.achieved).padStart(7),
      ms(r.p50).padStart(7),
      ms(r.p90).padStart(7),
      ms(r.p99).padStart(7),
      ms(r.max).padStart(7),
      String(r.errors).padStart(6),
      ms(r.cpuMsPerRequest).padStart(10),
      ` ${r.note ?? ""}`,
    ]
      .join(" ")
      .trimEnd(),
  );
  return [head, ...lines].join("\n");
}

export const MARKDOWN_HEADER = [
  "| date | machine | engine | bench | measure | load | achieved/s | p50 ms | p99 ms | errors | server CPU ms/request | note |",
  "| ---- | ------- | ------ | ----- | ------- | ---- | ---------: | -----: | -----: | -----: | --------------------: | ---- |",
].join("\n");

/** The rows in the format of docs/BENCHMARKS.md; `date` is YYYY-MM-DD. */
export function markdownRows(rows: BenchRow[], m: Machine, date: string): string {
  const machineCell = describeMachine(m);
  return rows
    .map(
      (r) =>
        `| ${date} | ${machineCell} | ${r.engine} | \`${r.bench}\` | ${r.measure} | ${r.load} | ${perSecond(r.achieved)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors} | ${ms(r.cpuMsPerRequest)} | ${r.note ?? ""} |`,
    )
    .join("\n");
}

export function printRows(rows: BenchRow[], m: Machine, markdown: boolean, extra: string[] = []): void {
  console.log("");
  console.log(textTable(rows));
  for (const line of extra) console.log(line);
  console.log(`\nmachine: ${describeMachine(m)}; load average ${m.load.toFixed(2)} when the bench started`);
  if (markdown) {
    console.log("\nrows for docs/BENCHMARKS.md:\n");
    console.log(MARKDOWN_HEADER);
    console.log(markdownRows(rows, m, new Date().toISOString().slice(0, 10)));
  }
  console.log("");
}
