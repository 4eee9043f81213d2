// Cross-checks against Debian's python3-lti 0.9.5 and python3-oauthlib (RFC-correct; peers.md §1.4), run as a
// child process. The interpreter is PYTHON3_PATH or /usr/bin/python3 (test/support/python.ts).
// Interop: python-lti's ToolConsumer sends lti_version=LTI-1.0 unless told otherwise, which is not a valid
// LTI version (LTI-1p0); parseLaunch rightly refuses it, so the launches below set it explicitly.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { PYTHON } from "../../../test/support/python.js";
import { memoryNonceStore } from "../ports.js";
import { buildLaunchParams, parseLaunch } from "./launch.js";
import { signatureBaseString, signRequest, verifyRequest } from "./oauth.js";
import { signBodyHashRequest, verifyBodyHashRequest } from "./oauth-body-hash.js";
import { buildOutcomeResponse, buildReplaceResultRequest, parseOutcomeRequest } from "./outcomes.js";

const ORACLE = fileURLToPath(new URL("./testdata/python_lti_oracle.py", import.meta.url));

function python(ops: object[]): unknown[] {
  const run = spawnSync(PYTHON, [ORACLE], { input: JSON.stringify(ops), encoding: "utf8", timeout: 20_000 });
  if (run.status !== 0) throw new Error(`oracle failed: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as Array<{ ok?: unknown; error?: string }>;
  return results.map((r, i) => {
    if (r.error !== undefined) throw new Error(`oracle op ${i}: ${r.error}`);
    return r.ok;
  });
}
const clock = { now: () => new Date() };
const options = (secret: string) => ({ secret, clock, nonceStore: memoryNonceStore(clock) });

describe("python oauthlib computes the same signature base strings", () => {
  const cases: Array<[string, string, Array<[string, string]>]> = [
    [
      "V1",
      "HTTPS://Tool.Example.com:443/lti/launch?b=2&a=1",
      [
        ["a", "3"],
        ["custom_name", "José"],
        ["custom_x", "a+b*c~d"],
        ["resource_link_id", "rl 1"],
        ["oauth_callback", "about:blank"],
      ],
    ],
    [
      "prefix names",
      "http://t.test:8080/l",
      [
        ["custom_x", "a"],
        ["custom_x1", "b"],
        ["custom_x-y", "c"],
        ["custom_x.z", "d"],
      ],
    ],
    [
      "duplicates and empty values",
      "https://t.test/l?z=&z=0",
      [
        ["z", "1"],
        ["e", ""],
        ["z", "-"],
      ],
    ],
    [
      "reserved characters",
      "https://t.test/a%20b/c",
      [
        ["q", "!*'()&=+/?#[]@$,;:%"],
        ["u", "ü€😀\t\n"],
      ],
    ],
    ["query with + and %2B", "https://t.test/l?a=b+c&d=e%2Bf", [["oauth_nonce", "n"]]],
  ];
  for (const [what, url, params] of cases) {
    it(`for ${what}`, () => {
      const [theirs] = python([{ op: "base_string", method: "POST", url, params }]);
      assert.equal(signatureBaseString("POST", url, params), theirs);
    });
  }
});

describe("python-lti and our launch code accept each other's launches", () => {
  const url = "https://tool.test/lti/launch?tenant=abc";
  const params = buildLaunchParams({
    resourceLink: { id: "r-1" },
    user: { id: "u-1", roles: "Instructor", fullName: "Zoë" },
    custom: { x: "1", x1: "2", "x-y": "3" },
  });

  it("python-lti's ToolProvider validates our signed launch, prefix-named custom parameters included", () => {
    const signed = signRequest(params, url, "POST", "consumer-1", "s3cret");
    assert.deepEqual(python([{ op: "verify_launch", url, params: signed, secret: "s3cret" }]), [true]);
    const tampered = { ...signed, custom_x1: "9" };
    assert.deepEqual(python([{ op: "verify_launch", url, params: tampered, secret: "s3cret" }]), [false]);
  });

  it("we verify and parse a launch signed by python-lti's ToolConsumer", async () => {
    const [signed] = python([
      {
        op: "sign_launch",
        url,
        key: "consumer-1",
        secret: "s3cret",
        params: {
          lti_version: "LTI-1p0",
          resource_link_id: "r-9",
          user_id: "u-9",
          roles: "Learner",
          custom_x: "a b",
          custom_x1: "é",
        },
      },
    ]) as [Record<string, string>];
    const verified = await verifyRequest({ method: "POST", url, params: signed }, options("s3cret"));
    assert.equal(verified.consumerKey, "consumer-1");
    const launch = parseLaunch(signed);
    assert.deepEqual(
      [launch.resourceLink.id, launch.userId, launch.isLearner, launch.custom.x1],
      ["r-9", "u-9", true, "é"],
    );
  });
});

describe("oauthlib and our body-hash signing accept each other's POX requests", () => {
  const url = "https://lms.test/lti/outcomes?tool=3";
  const body = buildReplaceResultRequest({ sourcedId: "s-1", score: 0.5, messageIdentifier: "m-1" });

  it("we verify a POX request oauthlib signed with oauth_body_hash", async () => {
    const [authorization] = python([{ op: "sign_pox", url, key: "key", secret: "secret", body }]) as [string];
    const v = await verifyBodyHashRequest({ url, authorization, body }, options("secret"));
    assert.equal(v.consumerKey, "key");
    await assert.rejects(verifyBodyHashRequest({ url, authorization, body: `${body} ` }, options("secret")), {
      code: "bad_body_hash",
    });
  });

  it("oauthlib verifies the signature and body hash of our POX request", () => {
    const { authorization } = signBodyHashRequest({ url, body, consumerKey: "key", secret: "secret" });
    assert.deepEqual(python([{ op: "verify_pox", url, authorization, body, secret: "secret" }]), [true]);
    assert.deepEqual(
      python([{ op: "verify_pox", url, authorization, body: body.replace("0.5", "1"), secret: "secret" }]),
      [false],
    );
  });
});

describe("python-lti and our POX messages read each other", () => {
  it("we parse python-lti's replaceResult and readResult requests", () => {
    const [replace, read] = python([
      {
        op: "pox_request_xml",
        operation: "replaceResult",
        sourcedId: "s&1",
        messageIdentifier: "m1",
        score: "0.75",
      },
      { op: "pox_request_xml", operation: "readResult", sourcedId: "s2", messageIdentifier: "m2" },
    ]) as [string, string];
    assert.deepEqual(parseOutcomeRequest(replace), {
      operation: "replaceResult",
      messageIdentifier: "m1",
      sourcedId: "s&1",
      score: 0.75,
      language: "en",
    });
    assert.deepEqual(parseOutcomeRequest(read), {
      operation: "readResult",
      messageIdentifier: "m2",
      sourcedId: "s2",
    });
  });

  it("python-lti parses our replaceResult request and our responses", () => {
    const request = buildReplaceResultRequest({ sourcedId: "s<1>", score: 0.25, messageIdentifier: "m9" });
    const success = buildOutcomeResponse({
      codeMajor: "success",
      messageRefIdentifier: "m9",
      operationRefIdentifier: "readResult",
      score: 0.6,
    });
    const failure = buildOutcomeResponse({
      codeMajor: "failure",
      messageRefIdentifier: "m9",
      operationRefIdentifier: "replaceResult",
    });
    const [req, ok, bad] = python([
      { op: "parse_pox_request", xml: request },
      { op: "parse_pox_response", xml: success },
      { op: "parse_pox_response", xml: failure },
    ]);
    assert.deepEqual(req, {
      operation: "replaceResult",
      sourcedId: "s<1>",
      messageIdentifier: "m9",
      score: "0.25",
    });
    assert.deepEqual(ok, {
      success: true,
      codeMajor: "success",
      messageRefIdentifier: "m9",
      operation: "readResult",
      score: "0.6",
    });
    assert.deepEqual(bad, {
      success: false,
      codeMajor: "failure",
      messageRefIdentifier: "m9",
      operation: "replaceResult",
      score: null,
    });
  });
});
