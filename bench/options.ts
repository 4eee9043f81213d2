// The command line of `npm run bench <name>… [-- options]` (see docs/BENCHMARKS.md).
export type Engine = "sqlite" | "postgres";

export interface BenchOptions {
  /** From --engine; undefined: BENCH_ENGINES, else SQLite and PostgreSQL when it answers. */
  engines: Engine[] | undefined;
  /** Offered rates of the open-loop runs, per second. */
  rates: number[];
  /** Measured seconds of each open-loop run. */
  seconds: number;
  /** Seconds of each open-loop run before the measured window. */
  warmupSeconds: number;
  /** Run the closed-loop measurements (50 connections). */
  closed: boolean;
  /** Run the open-loop measurements (fixed offered rates), in the benches that have them. */
  open: boolean;
  /** Print the figures as rows of the table in docs/BENCHMARKS.md. */
  markdown: boolean;
}

export const DEFAULT_RATES = [200, 500, 1000];

export const USAGE = `usage: npm run bench <name>… [-- options]
  --engine sqlite|postgres|sqlite,postgres   engines to measure (default: BENCH_ENGINES, else both when PostgreSQL answers)
  --rates 200,500,1000                       offered rates of the open-loop runs, per second
  --duration 10                              measured seconds of each open-loop run (and of lti13-tool's closed-loop ones)
  --warmup 2                                 seconds sent before each open-loop run's measured window
  --mode both|closed|open                    closed loop (50 connections), open loop (fixed rates), or both
  --markdown                                 also print the figures as rows for docs/BENCHMARKS.md`;

export class UsageError extends Error {}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag}: expected a positive number, got "${text}"`);
  return n;
}

/** Splits the arguments into bench names and options; throws UsageError naming the first bad one. */
export function parseArgs(argv: string[], available: string[]): { names: string[]; options: BenchOptions } {
  const options: BenchOptions = {
    engines: undefined,
    rates: DEFAULT_RATES,
    seconds: 10,
    warmupSeconds: 2,
    closed: true,
    open: true,
    markdown: false,
  };
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) {
      if (!available.includes(arg))
        throw new UsageError(`unknown bench "${arg}" (there are: ${available.join(", ")})`);
      names.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === "--markdown") {
      if (eq !== -1) throw new UsageError("--markdown takes no value");
      options.markdown = true;
      continue;
    }
    if (!["--engine", "--rates", "--duration", "--warmup", "--mode"].includes(flag))
      throw new UsageError(`unknown option ${flag}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new UsageError(`${flag}: missing value`);
    switch (flag) {
      case "--engine": {
        const engines = value.split(",").map((e) => e.trim());
        const bad = engines.filter((e) => e !== "sqlite" && e !== "postgres");
        if (bad.length || engines.length === 0)
          throw new UsageError(`--engine: expected sqlite, postgres or both, got "${value}"`);
        options.engines = [...new Set(engines)] as Engine[];
        break;
      }
      case "--rates":
        options.rates = value.split(",").map((r) => positive("--rates", r));
        break;
      case "--duration":
        options.seconds = positive("--duration", value);
        break;
      case "--warmup": {
        const n = Number(value);
        if (value.trim() === "" || !Number.isFinite(n) || n < 0)
          throw new UsageError(`--warmup: expected zero or more seconds, got "${value}"`);
        options.warmupSeconds = n;
        break;
      }
      case "--mode":
        if (value !== "both" && value !== "closed" && value !== "open")
          throw new UsageError(`--mode: expected both, closed or open, got "${value}"`);
        options.closed = value !== "open";
        options.open = value !== "closed";
        break;
    }
  }
  if (names.length === 0) throw new UsageError("name at least one bench");
  return { names, options };
}
