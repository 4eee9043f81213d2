#!/usr/bin/env node
// Runs the built CLI; `npm start` builds first. Pluto runs on Node.js 24 (package.json `engines`),
// which `npm install` puts into node_modules (the registry's node-linux-* package). Started by an
// older system Node.js, this re-runs itself on that one, passing signals on and its exit code back.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const REQUIRED_MAJOR = 24;
if (Number(process.versions.node.split(".")[0]) < REQUIRED_MAJOR) {
  const bundled = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));
  if (!existsSync(bundled)) {
    console.error(
      `Pluto needs Node.js ${REQUIRED_MAJOR} or later, and this is ${process.version}. ` +
        "Run `npm install` in Pluto's folder (it installs Node.js 24 into node_modules), then try again.",
    );
    process.exit(1);
  }
  const child = spawn(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await import("../dist/main/cli.js");
}
