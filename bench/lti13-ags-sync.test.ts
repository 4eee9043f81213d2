// How many users lti13-tool's AGS grade sync launches and grades: 5,000 unless BENCH_AGS_USERS says
// otherwise, and a clear refusal of a value that is not a positive whole number.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AGS_USERS, agsUsers } from "./lti13-ags-sync.js";

describe("the AGS grade sync's user count", () => {
  it("is 5,000 without BENCH_AGS_USERS, or when it is empty", () => {
    assert.equal(AGS_USERS, 5000);
    assert.equal(agsUsers({}), 5000);
    assert.equal(agsUsers({ BENCH_AGS_USERS: "" }), 5000);
  });

  it("is BENCH_AGS_USERS when given", () => {
    assert.equal(agsUsers({ BENCH_AGS_USERS: "300" }), 300);
  });

  for (const bad of ["0", "-5", "2.5", "many", "1e400"]) {
    it(`refuses BENCH_AGS_USERS=${bad}, naming it`, () => {
      assert.throws(
        () => agsUsers({ BENCH_AGS_USERS: bad }),
        /BENCH_AGS_USERS: expected a positive whole number/,
      );
    });
  }
});
