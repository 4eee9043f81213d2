import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildLineItem,
  buildScore,
  laterTimestamp,
  lineItemSubUrl,
  lineItemsSearchUrl,
  parseLineItem,
  parseLineItemContainer,
} from "./ags.js";

describe("AGS line item URLs", () => {
  it("inserts /scores and /results before the query string (Canvas, Moodle)", () => {
    assert.equal(
      lineItemSubUrl(
        "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3",
        "scores",
      ),
      "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3",
    );
    assert.equal(
      lineItemSubUrl("https://canvas.example/api/lti/courses/1/line_items/5", "results"),
      "https://canvas.example/api/lti/courses/1/line_items/5/results",
    );
    assert.equal(
      lineItemSubUrl("https://x.example/li/5/?a=1#f", "scores"),
      "https://x.example/li/5/scores?a=1#f",
    );
    assert.throws(() => lineItemSubUrl("/relative", "scores"), /lineItemUrl/);
  });

  it("filters the container by resource link and resource id, keeping its own query", () => {
    assert.equal(
      lineItemsSearchUrl("https://moodle.example/lineitems?type_id=3", {
        resourceLinkId: "rl 1",
        resourceId: "pluto:9",
      }),
      "https://moodle.example/lineitems?type_id=3&resource_link_id=rl+1&resource_id=pluto%3A9",
    );
  });
});

describe("AGS line items", () => {
  it("reads a container page, keeping the fields Pluto uses and ignoring others", () => {
    const items = parseLineItemContainer(
      JSON.stringify([
        {
          id: "https://lms.example/li/1",
          label: "Quiz",
          scoreMaximum: 10,
          resourceLinkId: "rl-1",
          extra: { a: 1 },
        },
        { id: "https://lms.example/li/2", resourceId: "pluto:9", tag: "grade", scoreMaximum: "x" },
      ]),
    );
    assert.deepEqual(items, [
      { id: "https://lms.example/li/1", label: "Quiz", scoreMaximum: 10, resourceLinkId: "rl-1" },
      { id: "https://lms.example/li/2", resourceId: "pluto:9", tag: "grade" },
    ]);
    assert.deepEqual(parseLineItemContainer("[]"), []);
  });

  it("refuses a container that is not an array of line items with URL ids", () => {
    assert.throws(() => parseLineItemContainer("{}"), /not a JSON array/);
    assert.throws(() => parseLineItemContainer("<html>"), /not JSON/);
    assert.throws(() => parseLineItemContainer('[{"id":7}]'), /lineItemContainer\[0\]\.id/);
    assert.throws(() => parseLineItem('{"label":"x"}'), /lineItem\.id/);
  });

  it("creates a line item bound to the resource link and Pluto's resource", () => {
    assert.deepEqual(
      buildLineItem({
        label: " Course total ",
        scoreMaximum: 1,
        resourceLinkId: "rl-1",
        resourceId: "pluto:course:3",
      }),
      { label: "Course total", scoreMaximum: 1, resourceLinkId: "rl-1", resourceId: "pluto:course:3" },
    );
    assert.throws(
      () => buildLineItem({ label: " ", scoreMaximum: 1, resourceLinkId: "r", resourceId: "p" }),
      /label/,
    );
    assert.throws(
      () => buildLineItem({ label: "L", scoreMaximum: 0, resourceLinkId: "r", resourceId: "p" }),
      /scoreMaximum/,
    );
  });
});

describe("AGS scores", () => {
  it("is a final grade: Completed, FullyGraded, with the given score and timestamp", () => {
    assert.deepEqual(
      buildScore({
        userId: "sub-1",
        scoreGiven: 0.75,
        scoreMaximum: 1,
        timestamp: "2026-12-01T10:00:00.123Z",
      }),
      {
        userId: "sub-1",
        scoreGiven: 0.75,
        scoreMaximum: 1,
        activityProgress: "Completed",
        gradingProgress: "FullyGraded",
        timestamp: "2026-12-01T10:00:00.123Z",
      },
    );
  });

  it("sends a zero like any other grade, and refuses what a platform would", () => {
    assert.equal(
      buildScore({ userId: "u", scoreGiven: 0, scoreMaximum: 1, timestamp: "2026-12-01T10:00:00.000Z" })
        .scoreGiven,
      0,
    );
    const ok = { userId: "u", scoreGiven: 1, scoreMaximum: 1, timestamp: "2026-12-01T10:00:00.000Z" };
    assert.throws(() => buildScore({ ...ok, scoreGiven: -1 }), /scoreGiven/);
    assert.throws(() => buildScore({ ...ok, scoreGiven: Number.NaN }), /scoreGiven/);
    assert.throws(() => buildScore({ ...ok, scoreMaximum: 0 }), /scoreMaximum/);
    assert.throws(() => buildScore({ ...ok, userId: "" }), /userId/);
    assert.throws(() => buildScore({ ...ok, timestamp: "2026-12-01T10:00:00Z" }), /timestamp/);
  });

  it("gives timestamps with milliseconds that strictly increase per (line item, user)", () => {
    const now = new Date("2026-12-01T10:00:00.000Z");
    assert.equal(laterTimestamp(now), "2026-12-01T10:00:00.000Z");
    assert.equal(laterTimestamp(now, null), "2026-12-01T10:00:00.000Z");
    assert.equal(laterTimestamp(now, "2026-12-01T09:59:59.999Z"), "2026-12-01T10:00:00.000Z");
    // the same millisecond, or a clock behind the last send
    assert.equal(laterTimestamp(now, "2026-12-01T10:00:00.000Z"), "2026-12-01T10:00:00.001Z");
    assert.equal(laterTimestamp(now, "2026-12-01T10:00:05.500Z"), "2026-12-01T10:00:05.501Z");
    assert.equal(laterTimestamp(now, "not a time"), "2026-12-01T10:00:00.000Z");
    let last: string | undefined;
    for (let i = 0; i < 5; i++) {
      const t = laterTimestamp(now, last);
      if (last) assert.ok(Date.parse(t) > Date.parse(last));
      last = t;
    }
    assert.equal(last, "2026-12-01T10:00:00.004Z");
  });
});
