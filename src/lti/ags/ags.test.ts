// Vectors for the pure AGS 2.0 code: media types, line item and score bodies (each refusal names its
// field), timestamps, the score rules (rescale, clear, stale, pending), the URL helpers and results.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgsError } from "../errors.js";
import { lineItemJson, parseLineItem } from "./line-item.js";
import { AGS_MEDIA_TYPE, checkAccept, checkContentType, mediaTypeOf } from "./media-types.js";
import { resultJson } from "./result.js";
import { applyScore, completesActivity, parseScore, progressOf, rescale } from "./score.js";
import { normaliseTimestamp } from "./timestamps.js";
import { nextLinkHeader, pageOf, pageSlice, withPathSegment } from "./urls.js";

function refusal(fn: () => unknown): { code: string; field: string | undefined } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AgsError, String(e));
    return { code: e.code, field: e.field };
  }
  assert.fail("expected a refusal");
}

const score = (over: Record<string, unknown> = {}) => ({
  userId: "u1",
  timestamp: "2026-05-01T10:00:00.123Z",
  activityProgress: "Completed",
  gradingProgress: "FullyGraded",
  scoreGiven: 7,
  scoreMaximum: 10,
  ...over,
});

describe("AGS media types", () => {
  it("reads the bare type of a Content-Type", () => {
    assert.equal(mediaTypeOf("Application/VND.ims.lis.v1.score+json; charset=utf-8"), AGS_MEDIA_TYPE.score);
    assert.equal(mediaTypeOf(undefined), "");
  });
  it("takes the endpoint's type or application/json, refuses others with 415", () => {
    checkContentType(AGS_MEDIA_TYPE.score, AGS_MEDIA_TYPE.score);
    checkContentType("application/json; charset=utf-8", AGS_MEDIA_TYPE.score);
    assert.deepEqual(
      refusal(() => checkContentType(AGS_MEDIA_TYPE.lineItem, AGS_MEDIA_TYPE.score)),
      { code: "ags_unsupported_media_type", field: "Content-Type" },
    );
    assert.equal(
      refusal(() => checkContentType(undefined, AGS_MEDIA_TYPE.lineItem)).code,
      "ags_unsupported_media_type",
    );
  });
  it("answers an absent, exact, json or wildcard Accept; refuses another type or q=0 with 406", () => {
    for (const accept of [
      undefined,
      "",
      AGS_MEDIA_TYPE.lineItemContainer,
      "application/json",
      "*/*",
      "text/html, application/*;q=0.5",
    ])
      checkAccept(accept, AGS_MEDIA_TYPE.lineItemContainer);
    assert.equal(refusal(() => checkAccept("text/html", AGS_MEDIA_TYPE.lineItem)).code, "ags_not_acceptable");
    assert.equal(
      refusal(() => checkAccept(`${AGS_MEDIA_TYPE.lineItem};q=0`, AGS_MEDIA_TYPE.lineItem)).code,
      "ags_not_acceptable",
    );
    assert.equal(
      refusal(() => checkAccept(AGS_MEDIA_TYPE.lineItem, AGS_MEDIA_TYPE.resultContainer)).code,
      "ags_not_acceptable",
    );
  });
});

describe("AGS timestamps", () => {
  it("normalises to UTC with nine fraction digits, so strings compare in time order", () => {
    assert.equal(normaliseTimestamp("2026-05-01T10:00:00Z"), "2026-05-01T10:00:00.000000000Z");
    assert.equal(normaliseTimestamp("2026-05-01T12:00:00.5+02:00"), "2026-05-01T10:00:00.500000000Z");
    assert.equal(normaliseTimestamp("2026-05-01T05:30:00.123456789-0430"), "2026-05-01T10:00:00.123456789Z");
    const a = normaliseTimestamp("2026-05-01T10:00:00.1234561Z") ?? "";
    const b = normaliseTimestamp("2026-05-01T10:00:00.1234562Z") ?? "";
    assert.ok(a < b);
  });
  it("refuses a date-time without a zone, an impossible date, and other texts", () => {
    for (const bad of [
      "2026-05-01T10:00:00",
      "2026-02-30T10:00:00Z",
      "2026-13-01T00:00:00Z",
      "/Date(1493480000000)/",
      "yesterday",
      "2026-05-01T24:00:00Z",
    ])
      assert.equal(normaliseTimestamp(bad), undefined, bad);
  });
});

describe("AGS line items", () => {
  it("reads the fields, trims the label, ignores unknown members", () => {
    const li = parseLineItem({
      label: "  Chapter 1  ",
      scoreMaximum: 60,
      resourceId: "quiz-1",
      tag: "grade",
      resourceLinkId: "12",
      startDateTime: "2026-05-01T10:00:00Z",
      endDateTime: "2026-06-01T10:00:00+02:00",
      gradesReleased: true,
      "https://example.org/ext": { x: 1 },
      id: "https://evil.example/lineitems/9",
    });
    assert.deepEqual(li, {
      label: "Chapter 1",
      scoreMaximum: 60,
      resourceId: "quiz-1",
      tag: "grade",
      resourceLinkId: "12",
      startDateTime: "2026-05-01T10:00:00Z",
      endDateTime: "2026-06-01T10:00:00+02:00",
      gradesReleased: true,
    });
  });
  it("refuses a missing or blank label, a scoreMaximum not above 0, bad dates and types, naming the field", () => {
    const base = { label: "L", scoreMaximum: 10 };
    const cases: Array<[unknown, string]> = [
      [{ scoreMaximum: 10 }, "label"],
      [{ ...base, label: "   " }, "label"],
      [{ ...base, label: "x".repeat(255) }, "label"],
      [{ label: "L" }, "scoreMaximum"],
      [{ ...base, scoreMaximum: 0 }, "scoreMaximum"],
      [{ ...base, scoreMaximum: -1 }, "scoreMaximum"],
      [{ ...base, scoreMaximum: "10" }, "scoreMaximum"],
      [{ ...base, startDateTime: "2026-05-01" }, "startDateTime"],
      [{ ...base, endDateTime: "tomorrow" }, "endDateTime"],
      [{ ...base, tag: 5 }, "tag"],
      [{ ...base, gradesReleased: "yes" }, "gradesReleased"],
      [[base], "body"],
      [null, "body"],
    ];
    for (const [body, field] of cases)
      assert.deepEqual(
        refusal(() => parseLineItem(body)),
        { code: "ags_invalid_line_item", field },
        JSON.stringify(body),
      );
  });
  it("serialises without the empty resourceId and tag", () => {
    assert.deepEqual(
      lineItemJson({ id: "https://p/l/1", label: "A", scoreMaximum: 5, resourceId: "", tag: "" }),
      {
        id: "https://p/l/1",
        label: "A",
        scoreMaximum: 5,
      },
    );
  });
});

describe("AGS scores", () => {
  it("reads a score; no scoreGiven is kept as absent; empty comment is none", () => {
    const s = parseScore(score({ comment: "Well done", scoringUserId: "t1" }));
    assert.equal(s.scoreGiven, 7);
    assert.equal(s.comment, "Well done");
    assert.equal(s.instant, "2026-05-01T10:00:00.123000000Z");
    const cleared = parseScore(score({ scoreGiven: null, scoreMaximum: undefined, comment: "" }));
    assert.equal(cleared.scoreGiven, undefined);
    assert.equal(cleared.comment, undefined);
  });
  it("refuses each bad field by name", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ userId: undefined }, "userId"],
      [{ userId: "" }, "userId"],
      [{ userId: 5 }, "userId"],
      [{ timestamp: undefined }, "timestamp"],
      [{ timestamp: "2026-05-01T10:00:00" }, "timestamp"],
      [{ timestamp: "/Date(1493480000000)/" }, "timestamp"],
      [{ activityProgress: "Done" }, "activityProgress"],
      [{ activityProgress: undefined }, "activityProgress"],
      [{ gradingProgress: "Graded" }, "gradingProgress"],
      [{ scoreGiven: -1 }, "scoreGiven"],
      [{ scoreGiven: "7" }, "scoreGiven"],
      [{ scoreMaximum: undefined }, "scoreMaximum"],
      [{ scoreMaximum: 0 }, "scoreMaximum"],
      [{ comment: 3 }, "comment"],
      [{ scoringUserId: "" }, "scoringUserId"],
    ];
    for (const [over, field] of cases)
      assert.deepEqual(
        refusal(() => parseScore(score(over))),
        { code: "ags_invalid_score", field },
        JSON.stringify(over),
      );
  });
  it("rescales to the item's maximum, above it when the score exceeds its maximum", () => {
    assert.equal(rescale(7, 10, 100), 70);
    assert.equal(rescale(12, 10, 50), 60);
    assert.equal(rescale(1, 3, 10), 3.33333);
  });
  it("clears without scoreGiven, keeps pending apart, never overwrites a later or equal stored timestamp", () => {
    const s = parseScore(score());
    assert.deepEqual(applyScore(s, 100, null), { kind: "write", grade: 70, feedback: "", progress: "final" });
    assert.deepEqual(
      applyScore(parseScore(score({ scoreGiven: undefined, scoreMaximum: undefined })), 100, null),
      {
        kind: "write",
        grade: null,
        feedback: "",
        progress: "final",
      },
    );
    assert.equal(applyScore(s, 100, "2026-05-01T10:00:00.123000000Z").kind, "stale");
    assert.equal(applyScore(s, 100, "2026-05-01T10:00:01.000000000Z").kind, "stale");
    assert.equal(applyScore(s, 100, "2026-05-01T10:00:00.122999999Z").kind, "write");
    assert.equal(progressOf("Pending"), "pending");
    assert.equal(progressOf("PendingManual"), "needs_grading");
    assert.equal(progressOf("NotReady"), "pending");
    assert.equal(progressOf("Failed"), "pending");
    const pending = applyScore(
      parseScore(score({ gradingProgress: "PendingManual", comment: "Essay received" })),
      100,
      null,
    );
    assert.deepEqual(pending, {
      kind: "write",
      grade: 70,
      feedback: "Essay received",
      progress: "needs_grading",
    });
    assert.equal(completesActivity("Completed"), true);
    assert.equal(completesActivity("Submitted"), true);
    assert.equal(completesActivity("InProgress"), false);
  });
});

describe("AGS URLs and paging", () => {
  it("puts /scores and /results before the query string", () => {
    assert.equal(
      withPathSegment("https://p/lti/ags/3/lineitems/7", "/scores"),
      "https://p/lti/ags/3/lineitems/7/scores",
    );
    assert.equal(
      withPathSegment("https://lms/api/lti/courses/1/line_items/2?type_id=3", "/results"),
      "https://lms/api/lti/courses/1/line_items/2/results?type_id=3",
    );
    assert.equal(withPathSegment("https://p/lineitem/?x=1#f", "/scores"), "https://p/lineitem/scores?x=1#f");
  });
  it("reads limit and page; refuses what is not a positive integer", () => {
    assert.deepEqual(pageOf({}), { limit: 1000, page: 1 });
    assert.deepEqual(pageOf({ limit: "2", page: "3" }), { limit: 2, page: 3 });
    assert.deepEqual(pageOf({ limit: "5000" }), { limit: 1000, page: 1 });
    for (const bad of ["0", "-1", "x", "1.5", ""])
      assert.equal(refusal(() => pageOf({ limit: bad })).field, "limit");
    assert.equal(refusal(() => pageOf({ page: "0" })).field, "page");
  });
  it("links the next page with the filters, and none on the last page", () => {
    const page = pageOf({ limit: "2" });
    assert.equal(
      nextLinkHeader(
        "https://p/lti/ags/3/lineitems",
        [
          ["resource_link_id", "12"],
          ["tag", "a b"],
          ["resource_id", undefined],
        ],
        page,
        5,
      ),
      '<https://p/lti/ags/3/lineitems?resource_link_id=12&tag=a+b&limit=2&page=2>; rel="next"',
    );
    assert.equal(nextLinkHeader("https://p/x", [], { limit: 2, page: 3 }, 5), undefined);
    assert.equal(nextLinkHeader("https://p/x", [], { limit: 2, page: 2 }, 4), undefined);
    assert.deepEqual(pageSlice([1, 2, 3, 4, 5], { limit: 2, page: 3 }), [5]);
  });
  it("serialises a result; resultMaximum is 1 when not above 0; no resultScore without a value", () => {
    assert.deepEqual(
      resultJson({ id: "r", scoreOf: "l", userId: "u", resultScore: 7, resultMaximum: 10, comment: "ok" }),
      {
        id: "r",
        scoreOf: "l",
        userId: "u",
        resultScore: 7,
        resultMaximum: 10,
        comment: "ok",
      },
    );
    assert.deepEqual(resultJson({ id: "r", scoreOf: "l", userId: "u", resultMaximum: 0, comment: "" }), {
      id: "r",
      scoreOf: "l",
      userId: "u",
      resultMaximum: 1,
    });
  });
});
