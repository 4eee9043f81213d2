// The bench command line: names and options, and a clear refusal of each kind of bad argument.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_RATES, parseArgs, UsageError } from "./options.js";

const AVAILABLE = ["core", "lti-provider", "lti-consumer"];

describe("the bench command line", () => {
  it("runs the named benches, closed and open loop, at the default rates, on the default engines", () => {
    const { names, options } = parseArgs(["lti-provider", "lti-consumer"], AVAILABLE);
    assert.deepEqual(names, ["lti-provider", "lti-consumer"]);
    assert.deepEqual(options, {
      engines: undefined,
      rates: DEFAULT_RATES,
      seconds: 10,
      warmupSeconds: 2,
      closed: true,
      open: true,
      markdown: false,
    });
    assert.deepEqual(DEFAULT_RATES, [200, 500, 1000]);
  });

  it("takes each option as --flag value or --flag=value", () => {
    const { options } = parseArgs(
      ["lti-provider", "--rates", "100,250", "--engine=sqlite", "--duration", "3", "--warmup=0.5"],
      AVAILABLE,
    );
    assert.deepEqual(
      [options.rates, options.engines, options.seconds, options.warmupSeconds],
      [[100, 250], ["sqlite"], 3, 0.5],
    );
    assert.deepEqual(parseArgs(["core", "--engine", "postgres,sqlite"], AVAILABLE).options.engines, [
      "postgres",
      "sqlite",
    ]);
  });

  it("runs only one kind of load with --mode, and prints markdown rows with --markdown", () => {
    const open = parseArgs(["lti-consumer", "--mode", "open", "--markdown"], AVAILABLE).options;
    assert.deepEqual([open.closed, open.open, open.markdown], [false, true, true]);
    const closed = parseArgs(["lti-consumer", "--mode=closed"], AVAILABLE).options;
    assert.deepEqual([closed.closed, closed.open, closed.markdown], [true, false, false]);
  });

  const bad: Array<[string[], RegExp]> = [
    [[], /name at least one bench/],
    [["nosuch"], /unknown bench "nosuch" \(there are: core, lti-provider, lti-consumer\)/],
    [["core", "--engine", "mysql"], /--engine: expected sqlite, postgres or both, got "mysql"/],
    [["core", "--rates", "200,,500"], /--rates: expected a positive number, got ""/],
    [["core", "--rates", "0"], /--rates: expected a positive number, got "0"/],
    [["core", "--rates", "fast"], /--rates: expected a positive number, got "fast"/],
    [["core", "--duration", "-1"], /--duration: expected a positive number, got "-1"/],
    [["core", "--warmup", "soon"], /--warmup: expected zero or more seconds, got "soon"/],
    [["core", "--mode", "half"], /--mode: expected both, closed or open, got "half"/],
    [["core", "--rates"], /--rates: missing value/],
    [["core", "--markdown=yes"], /--markdown takes no value/],
    [["core", "--fast"], /unknown option --fast/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(" ") || "no arguments"}`, () => {
      assert.throws(
        () => parseArgs(argv, AVAILABLE),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }
});
