// The printed figures: rows for docs/BENCHMARKS.md carry their date, machine, engine and the server's
// CPU per request, and an open-loop row says when the generator fell behind or answers went wrong.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpuModel, type Machine } from "./machine.js";
import type { OpenLoopResult } from "./open-loop.js";
import { MARKDOWN_HEADER, markdownRows, openLoopRow, textTable } from "./report.js";

const MACHINE: Machine = { cores: 2, cpuModel: "AMD EPYC", node: "v24.22.3", load: 0.4 };

function result(over: Partial<OpenLoopResult> = {}): OpenLoopResult {
  return {
    offered: 500,
    achieved: 499.6,
    measured: 5000,
    ok: 5000,
    unexpected: 0,
    failed: 0,
    statuses: { "303": 5000 },
    latency: { p50: 1.234, p90: 3.5, p99: 8.76, max: 41.2 },
    lag: { p50: 0.1, p90: 0.3, p99: 0.9, max: 3 },
    keptUp: true,
    cpuMsPerRequest: 0.614,
    ...over,
  };
}

describe("bench rows", () => {
  it("print as markdown rows of the documented table, one per figure", () => {
    const row = openLoopRow("lti-provider", "launch, returning user", "sqlite", result());
    const cells = markdownRows([row], MACHINE, "2026-12-02").split(" | ");
    assert.deepEqual(cells, [
      "| 2026-12-02",
      "2 cores, AMD EPYC, Node v24.22.3",
      "sqlite",
      "`lti-provider`",
      "launch, returning user",
      "open, 500/s",
      "500",
      "1.23",
      "8.76",
      "0",
      "0.61",
      " |",
    ]);
    const columns = (line: string) => line.split("|").length;
    assert.equal(
      columns(markdownRows([row], MACHINE, "2026-12-02")),
      columns(MARKDOWN_HEADER.split("\n")[0] ?? ""),
    );
  });

  it("say when the generator fell behind, and which answers were not the expected ones", () => {
    const row = openLoopRow(
      "lti-consumer",
      "replaceResult",
      "postgres",
      result({
        keptUp: false,
        lag: { p50: 1, p90: 4, p99: 12.5, max: 250 },
        ok: 4990,
        unexpected: 7,
        failed: 3,
        statuses: { "200": 4990, "503": 7, "error ECONNRESET": 2, unanswered: 1 },
        cpuMsPerRequest: undefined,
      }),
    );
    assert.equal(row.errors, 10);
    assert.equal(
      row.note,
      "generator behind: lag p99 12.5 ms, max 250 ms; answers by status: 200×4990, 503×7; " +
        "3 without an answer: error ECONNRESET×2, unanswered×1",
    );
    assert.match(textTable([row]), /postgres: replaceResult +open, 500\/s +500 .* 10 +— +generator behind/);
  });
});

describe("the CPU model", () => {
  it("is the first model name of /proc/cpuinfo without trade marks", () => {
    const info = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU  E5-2690 v4 @ 2.60GHz\nprocessor\t: 1\n";
    assert.equal(cpuModel(info), "Intel Xeon CPU E5-2690 v4 @ 2.60GHz");
    assert.equal(cpuModel("processor : 0\n"), "unknown CPU");
  });
});
