// Wall-clock time in a zone ⇄ UTC instants, around the clock changes of 2026 (no database involved).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatDate,
  formatInstant,
  fromWallTime,
  isTimeZone,
  resolveTimeZone,
  toWallTime,
} from "./time-zone.js";

describe("reading a wall-clock time in a time zone", () => {
  const cases: Array<[string, string, string, string]> = [
    // [what, zone, wall time typed, instant stored]
    [
      "an ordinary summer time in Sydney (UTC+11)",
      "Australia/Sydney",
      "2026-03-01T09:30",
      "2026-02-28T22:30:00.000Z",
    ],
    [
      "an ordinary winter time in Sydney (UTC+10)",
      "Australia/Sydney",
      "2026-07-01T09:30",
      "2026-06-30T23:30:00.000Z",
    ],
    ["seconds when given", "America/New_York", "2026-01-15T08:00:45", "2026-01-15T13:00:45.000Z"],
    ["UTC as it is", "UTC", "2026-03-08T02:30", "2026-03-08T02:30:00.000Z"],
    ["half-hour zones", "Asia/Kolkata", "2026-01-01T00:00", "2025-12-31T18:30:00.000Z"],
    // New York springs forward at 02:00 EST on 8 March 2026: 02:00–02:59 does not exist.
    [
      "New York, the minute before the gap",
      "America/New_York",
      "2026-03-08T01:59",
      "2026-03-08T06:59:00.000Z",
    ],
    [
      "New York, 02:00 (skipped) moves forward to 03:00 EDT",
      "America/New_York",
      "2026-03-08T02:00",
      "2026-03-08T07:00:00.000Z",
    ],
    [
      "New York, 02:30 (skipped) moves forward to 03:30 EDT",
      "America/New_York",
      "2026-03-08T02:30",
      "2026-03-08T07:30:00.000Z",
    ],
    ["New York, 03:00 EDT after the gap", "America/New_York", "2026-03-08T03:00", "2026-03-08T07:00:00.000Z"],
    // New York falls back at 02:00 EDT on 1 November 2026: 01:00–01:59 happens twice.
    [
      "New York, 01:30 (twice) is the first, EDT",
      "America/New_York",
      "2026-11-01T01:30",
      "2026-11-01T05:30:00.000Z",
    ],
    [
      "New York, 01:00 (twice) is the first, EDT",
      "America/New_York",
      "2026-11-01T01:00",
      "2026-11-01T05:00:00.000Z",
    ],
    [
      "New York, 02:00 EST after the overlap",
      "America/New_York",
      "2026-11-01T02:00",
      "2026-11-01T07:00:00.000Z",
    ],
    // London springs forward at 01:00 GMT on 29 March 2026: 01:00–01:59 does not exist.
    ["London, 00:59 GMT before the gap", "Europe/London", "2026-03-29T00:59", "2026-03-29T00:59:00.000Z"],
    [
      "London, 01:30 (skipped) moves forward to 02:30 BST",
      "Europe/London",
      "2026-03-29T01:30",
      "2026-03-29T01:30:00.000Z",
    ],
    ["London, 02:00 BST after the gap", "Europe/London", "2026-03-29T02:00", "2026-03-29T01:00:00.000Z"],
    // London falls back at 02:00 BST on 25 October 2026: 01:00–01:59 happens twice.
    [
      "London, 01:30 (twice) is the first, BST",
      "Europe/London",
      "2026-10-25T01:30",
      "2026-10-25T00:30:00.000Z",
    ],
    ["London, 02:00 GMT after the overlap", "Europe/London", "2026-10-25T02:00", "2026-10-25T02:00:00.000Z"],
    // Sydney falls back on 5 April and springs forward on 4 October 2026.
    [
      "Sydney, 02:30 (twice) is the first, AEDT",
      "Australia/Sydney",
      "2026-04-05T02:30",
      "2026-04-04T15:30:00.000Z",
    ],
    [
      "Sydney, 02:30 (skipped) moves forward to 03:30 AEDT",
      "Australia/Sydney",
      "2026-10-04T02:30",
      "2026-10-03T16:30:00.000Z",
    ],
  ];
  for (const [what, zone, wall, instant] of cases) {
    it(`reads ${what}`, () => assert.equal(fromWallTime(wall, zone), instant));
  }

  const notTimes = [
    "",
    "2026-02-30T10:00",
    "2026-13-01T10:00",
    "2026-00-10T10:00",
    "2026-01-01T24:00",
    "2026-01-01T10:60",
    "2026-01-01T10:00:60",
    "2026-01-01 10:00",
    "2026-01-01T10:00Z",
    "2026-01-01T10:00+02:00",
    "0050-01-01T10:00",
    "tomorrow",
  ];
  for (const text of notTimes) {
    it(`refuses ${JSON.stringify(text)} as a date and time`, () => {
      assert.equal(fromWallTime(text, "Europe/London"), undefined);
    });
  }
  it("accepts 29 February in a leap year only", () => {
    assert.equal(fromWallTime("2028-02-29T12:00", "UTC"), "2028-02-29T12:00:00.000Z");
    assert.equal(fromWallTime("2026-02-29T12:00", "UTC"), undefined);
  });
});

describe("showing an instant as a wall-clock time", () => {
  it("gives the datetime-local value in the zone, seconds only when not zero", () => {
    assert.equal(toWallTime("2026-02-28T22:30:00.000Z", "Australia/Sydney"), "2026-03-01T09:30");
    assert.equal(toWallTime("2026-01-15T13:00:45Z", "America/New_York"), "2026-01-15T08:00:45");
    assert.equal(toWallTime("2026-01-15T13:00:00+02:00", "UTC"), "2026-01-15T11:00");
    assert.equal(toWallTime(null, "UTC"), "");
    assert.equal(toWallTime("not a time", "UTC"), "");
  });

  it("shows both instants of a repeated hour with the same wall time", () => {
    assert.equal(toWallTime("2026-11-01T05:30:00Z", "America/New_York"), "2026-11-01T01:30");
    assert.equal(toWallTime("2026-11-01T06:30:00Z", "America/New_York"), "2026-11-01T01:30");
  });

  it("round-trips every quarter hour of the clock-change days that exists once", () => {
    for (const [zone, day] of [
      ["America/New_York", "2026-03-08"],
      ["America/New_York", "2026-11-01"],
      ["Europe/London", "2026-03-29"],
      ["Europe/London", "2026-10-25"],
      ["Australia/Sydney", "2026-04-05"],
      ["Australia/Sydney", "2026-10-04"],
    ] as const) {
      const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
      for (let t = start; t < start + 3 * 86_400_000; t += 900_000) {
        const instant = new Date(t).toISOString();
        const back = fromWallTime(toWallTime(instant, zone), zone);
        // The second occurrence of a repeated wall time reads back as the first, one hour earlier.
        const repeated = back !== undefined && Date.parse(back) === t - 3_600_000;
        assert.ok(
          back === instant || repeated,
          `${zone} ${instant} → ${toWallTime(instant, zone)} → ${back}`,
        );
      }
    }
  });

  it("formats an instant for reading, naming the zone", () => {
    assert.equal(
      formatInstant("2026-02-28T22:30:00.000Z", "Australia/Sydney"),
      "2026-03-01 09:30 Australia/Sydney",
    );
    assert.equal(formatInstant("2026-01-01T12:00:00Z", "UTC"), "2026-01-01 12:00 UTC");
    assert.equal(
      formatInstant("2026-01-01T12:00:07Z", "Europe/London", { seconds: true }),
      "2026-01-01 12:00:07 Europe/London",
    );
    assert.equal(
      formatInstant("2026-07-01T12:00:07Z", "Europe/London", { seconds: true, zone: false }),
      "2026-07-01 13:00:07",
    );
    assert.equal(formatInstant(null, "UTC"), "—");
    assert.equal(formatInstant("garbage", "UTC"), "garbage");
  });

  it("gives the calendar date in the zone", () => {
    assert.equal(formatDate("2026-02-28T22:30:00.000Z", "Australia/Sydney"), "2026-03-01");
    assert.equal(formatDate("2026-02-28T22:30:00.000Z", "America/New_York"), "2026-02-28");
  });
});

describe("choosing the zone", () => {
  it("knows IANA names and refuses others", () => {
    for (const z of ["UTC", "Europe/London", "America/New_York", "Australia/Sydney"])
      assert.ok(isTimeZone(z), z);
    for (const z of ["", "Mars/Olympus_Mons", "Europe/Atlantis", "GMT+25", "../etc/passwd"])
      assert.equal(isTimeZone(z), false, z);
  });

  it("uses the user's zone, else the site default, else UTC", () => {
    assert.equal(resolveTimeZone("Asia/Tokyo", "Europe/London"), "Asia/Tokyo");
    assert.equal(resolveTimeZone("", "Europe/London"), "Europe/London");
    assert.equal(resolveTimeZone(undefined, "Europe/London"), "Europe/London");
    assert.equal(resolveTimeZone("Nowhere/Land", "Europe/London"), "Europe/London");
    assert.equal(resolveTimeZone("Nowhere/Land", "Also/Nowhere"), "UTC");
  });
});
