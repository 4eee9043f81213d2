// `npm run bench <name>`: builds Pluto, then runs bench/<name>.bench.ts, which prints its figures.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""));
const names = process.argv.slice(2);
if (names.length === 0 || names.some((n) => !available.includes(n))) {
  console.error(`usage: npm run bench <${available.join("|")}>`);
  process.exit(2);
}
execFileSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
for (const name of names) {
  console.log(`== bench ${name}`);
  const mod = (await import(`./${name}.bench.ts`)) as { run(): Promise<void> };
  await mod.run();
}
