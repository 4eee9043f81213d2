// The lti1p1 migration claim: the sign against the migration guide's example (conformance §0 V4), the ids
// sent only where they differ from the 1.3 ones, the claim added over an id_token's own values.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LtiError } from "../errors.js";
import { LTI_CLAIM } from "../vocab/claims.js";
import {
  buildLti1p1Claim,
  checkLti1p1Claim,
  LTI1P1_CLAIM,
  lti1p1Sign,
  lti1p1SignBaseString,
  verifyLti1p1Sign,
  withLti1p1Claim,
} from "./lti1p1-migration.js";

// V4: the migration guide's example.
const V4 = {
  consumerKey: "179248902",
  deploymentId: "689302",
  issuer: "https://lmsvendor.com",
  clientId: "PM48OJSfGDTAzAo",
  exp: 1551290856,
  nonce: "172we8671fd8z",
};
const V4_SECRET = "my-lti11-secret";
const V4_SIGN = "lWd54kFo5qU7xshAna6v8BwoBm6tmUjc6GTax6+12ps=";

describe("lti1p1 sign", () => {
  it("is the migration guide's example (V4)", () => {
    assert.equal(
      lti1p1SignBaseString(V4),
      "179248902&689302&https://lmsvendor.com&PM48OJSfGDTAzAo&1551290856&172we8671fd8z",
    );
    assert.equal(lti1p1Sign(V4_SECRET, V4), V4_SIGN);
    assert.equal(verifyLti1p1Sign(V4_SECRET, V4_SIGN, V4), true);
  });

  it("does not verify with another secret, or for another token's exp or nonce", () => {
    assert.equal(verifyLti1p1Sign("another-secret", V4_SIGN, V4), false);
    assert.equal(verifyLti1p1Sign(V4_SECRET, V4_SIGN, { ...V4, exp: V4.exp + 1 }), false);
    assert.equal(verifyLti1p1Sign(V4_SECRET, V4_SIGN, { ...V4, nonce: "other" }), false);
    assert.equal(verifyLti1p1Sign(V4_SECRET, "short", V4), false);
  });

  it("refuses an empty key or secret", () => {
    assert.throws(() => lti1p1Sign("", V4), LtiError);
    assert.throws(() => lti1p1Sign(V4_SECRET, { ...V4, consumerKey: "" }), LtiError);
  });
});

describe("lti1p1 claim", () => {
  it("carries the 1.1 ids only where they differ from the 1.3 ones", () => {
    const claim = buildLti1p1Claim({
      ...V4,
      secret: V4_SECRET,
      lti11: { userId: "u-11", contextId: "c-1", resourceLinkId: "rl-11", toolConsumerInstanceGuid: "lms" },
      lti13: { sub: "sub-13", contextId: "c-1", resourceLinkId: "rl-13", toolPlatformGuid: "lms" },
    });
    assert.deepEqual(claim, {
      oauth_consumer_key: "179248902",
      oauth_consumer_key_sign: V4_SIGN,
      user_id: "u-11",
      resource_link_id: "rl-11",
    });
    const same = buildLti1p1Claim({
      ...V4,
      secret: V4_SECRET,
      lti11: { userId: "x", contextId: "c", resourceLinkId: "r" },
      lti13: { sub: "x", contextId: "c", resourceLinkId: "r" },
    });
    assert.deepEqual(Object.keys(same), ["oauth_consumer_key", "oauth_consumer_key_sign"]);
  });

  it("is added over an id_token's own iss, aud, deployment_id, exp and nonce", () => {
    const claims = {
      iss: V4.issuer,
      aud: V4.clientId,
      sub: "sub-13",
      exp: V4.exp,
      nonce: V4.nonce,
      [LTI_CLAIM.deploymentId]: V4.deploymentId,
      [LTI_CLAIM.resourceLink]: { id: "42" },
      [LTI_CLAIM.context]: { id: "7" },
    };
    const out = withLti1p1Claim(claims, {
      consumerKey: V4.consumerKey,
      secret: V4_SECRET,
      lti11: { userId: "sub-13", resourceLinkId: "42", contextId: "old-7" },
    });
    assert.deepEqual(out[LTI1P1_CLAIM], {
      oauth_consumer_key: V4.consumerKey,
      oauth_consumer_key_sign: V4_SIGN,
      context_id: "old-7",
    });
    assert.equal(out.sub, "sub-13");
    assert.equal(LTI1P1_CLAIM, "https://purl.imsglobal.org/spec/lti/claim/lti1p1");
    const { exp: _exp, ...noExp } = claims;
    assert.throws(() => withLti1p1Claim(noExp, { consumerKey: "k", secret: "s", lti11: {} }), LtiError);
  });
});

describe("lti1p1 claim check (tool side)", () => {
  const token = {
    issuer: V4.issuer,
    clientId: V4.clientId,
    deploymentId: V4.deploymentId,
    exp: V4.exp,
    nonce: V4.nonce,
    sub: "sub-13",
  };
  const secretOf = (key: string) => (key === V4.consumerKey ? V4_SECRET : undefined);

  it("proves the 1.1 key and user of the guide's example, the user_id where sent, else the sub", () => {
    const claim = { oauth_consumer_key: V4.consumerKey, oauth_consumer_key_sign: V4_SIGN, user_id: "u-11" };
    assert.deepEqual(checkLti1p1Claim(claim, secretOf, token), {
      ok: true,
      consumerKey: V4.consumerKey,
      userId: "u-11",
    });
    const { user_id: _sameId, ...noUser } = claim;
    assert.deepEqual(checkLti1p1Claim(noUser, secretOf, token), {
      ok: true,
      consumerKey: V4.consumerKey,
      userId: "sub-13",
    });
  });

  it("proves nothing with another secret, another token's nonce, an unknown key or a malformed claim", () => {
    const claim = { oauth_consumer_key: V4.consumerKey, oauth_consumer_key_sign: V4_SIGN };
    const reason = (
      v: unknown,
      over: Partial<typeof token> = {},
      of: (key: string) => string | undefined = secretOf,
    ) => {
      const r = checkLti1p1Claim(v, of, { ...token, ...over });
      return r.ok ? "ok" : r.reason;
    };
    assert.equal(
      reason(claim, {}, () => "another-secret"),
      "lti1p1_sign_mismatch",
    );
    assert.equal(reason(claim, { nonce: "other-nonce" }), "lti1p1_sign_mismatch");
    assert.equal(reason({ ...claim, oauth_consumer_key: "unknown" }), "lti1p1_sign_mismatch");
    assert.equal(reason({ oauth_consumer_key: V4.consumerKey }), "lti1p1_malformed");
    assert.equal(reason("lti1p1"), "lti1p1_malformed");
    assert.equal(reason({ ...claim, oauth_consumer_key_sign: "" }), "lti1p1_malformed");
  });
});
