// `npm run bench <name>… [-- options]`: builds Pluto, then runs bench/<name>.bench.ts, which prints its
// figures. The options (bench/options.ts, docs/BENCHMARKS.md) choose engines, open-loop rates and
// durations, and the markdown rows.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { type BenchOptions, parseArgs, USAGE, UsageError } from "./options.js";

const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""));
let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs(process.argv.slice(2), available);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`npm run bench: ${err.message}\n${USAGE}\n  benches: ${available.join(", ")}`);
  process.exit(2);
}
execFileSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
for (const name of parsed.names) {
  console.log(`== bench ${name}`);
  const mod = (await import(`./${name}.bench.ts`)) as { run(options: BenchOptions): Promise<void> };
  await mod.run(parsed.options);
}
