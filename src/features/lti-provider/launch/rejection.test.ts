// requireLtiVersion: a launch selects only a publication of its own LTI version, in both directions,
// with the reason code the launch log records and the status the refusal page is sent with.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LAUNCH_STATUS } from "../../../http/lti-errors.js";
import { LaunchRejected, rejectionOf, requireLtiVersion } from "./rejection.js";

describe("requireLtiVersion", () => {
  it("lets a launch of the publication's own version through", () => {
    assert.doesNotThrow(() => requireLtiVersion({ ltiVersion: "1.1" }, "1.1"));
    assert.doesNotThrow(() => requireLtiVersion({ ltiVersion: "1.3" }, "1.3"));
  });

  for (const [published, launched, says] of [
    ["1.3", "1.1", /published for LTI Advantage \(LTI 1\.3\); this launch uses Legacy LTI \(1\.1\)\./],
    ["1.1", "1.3", /published for Legacy LTI \(1\.1\); this launch uses LTI Advantage \(LTI 1\.3\)\./],
  ] as const) {
    it(`refuses a ${launched} launch of a ${published} publication with lti_version_mismatch (400)`, () => {
      const err = (() => {
        try {
          requireLtiVersion({ ltiVersion: published }, launched);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof LaunchRejected);
      assert.equal(err.reason, "lti_version_mismatch");
      assert.match(err.message, says);
      assert.equal(rejectionOf(err), err, "kept as it is by the launch's error mapping");
      assert.equal(LAUNCH_STATUS[err.reason], 400);
    });
  }
});
