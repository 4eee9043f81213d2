import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  buildDeleteResultRequest,
  buildOutcomeResponse,
  buildReadResultRequest,
  buildReplaceResultRequest,
  formatScore,
  parseOutcomeRequest,
  parseOutcomeResponse,
  peekOutcomeRequest,
} from "./outcomes.js";

const envelope = (body: string, id = "msg-1") => `<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">
  <imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>
    <imsx_messageIdentifier>${id}</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader>
  <imsx_POXBody>${body}</imsx_POXBody>
</imsx_POXEnvelopeRequest>`;
const replace = (score: string) =>
  envelope(`<replaceResultRequest><resultRecord><sourcedGUID><sourcedId>s-1</sourcedId></sourcedGUID>
    <result><resultScore><language>en</language><textString>${score}</textString></resultScore></result>
  </resultRecord></replaceResultRequest>`);

describe("outcome requests", () => {
  it("round-trips replaceResult with a score, language and resultData", () => {
    const xml = buildReplaceResultRequest({
      messageIdentifier: "m1",
      sourcedId: "a&b",
      score: 0.85,
      language: "fr",
      resultData: { text: "Well done <3" },
    });
    assert.ok(
      xml.includes(
        '<imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">',
      ),
    );
    assert.ok(xml.includes("<textString>0.85</textString>"));
    assert.deepEqual(parseOutcomeRequest(xml), {
      operation: "replaceResult",
      messageIdentifier: "m1",
      sourcedId: "a&b",
      score: 0.85,
      language: "fr",
      resultData: { text: "Well done <3" },
    });
  });

  it("round-trips readResult and deleteResult", () => {
    assert.deepEqual(
      parseOutcomeRequest(buildReadResultRequest({ sourcedId: "s", messageIdentifier: "r" })),
      {
        operation: "readResult",
        messageIdentifier: "r",
        sourcedId: "s",
      },
    );
    const del = parseOutcomeRequest(buildDeleteResultRequest({ sourcedId: "s" }));
    assert.equal(del.operation, "deleteResult");
    assert.match(del.messageIdentifier, /^[0-9a-f-]{36}$/);
  });

  it("writes scores with a '.' decimal and no exponent", () => {
    assert.deepEqual([0, 1, 0.5, 1e-7, 0.1 + 0.2, 2 / 3].map(formatScore), [
      "0",
      "1",
      "0.5",
      "0.0000001",
      "0.3",
      "0.6666666667",
    ]);
    assert.throws(() => buildReplaceResultRequest({ sourcedId: "s", score: 1.01 }), {
      code: "score_out_of_range",
    });
  });

  for (const text of ["0", "1", "1.0", "0.5", ".25", "5e-1", " 0.75 "]) {
    it(`accepts the score ${JSON.stringify(text)}`, () => {
      const score = parseOutcomeRequest(replace(text)).score;
      assert.ok(score !== undefined && score >= 0 && score <= 1);
    });
  }
  for (const text of ["1.01", "-0.1", "0,5", "abc", "NaN", "Infinity", "1e3", "0x1"]) {
    it(`refuses the score ${JSON.stringify(text)} with score_out_of_range, naming the message`, () => {
      assert.throws(() => parseOutcomeRequest(replace(text)), {
        code: "score_out_of_range",
        details: { operation: "replaceResult", messageIdentifier: "msg-1", value: text },
      });
    });
  }

  const refused: Array<[string, string, string]> = [
    ["an unknown operation", envelope("<readPersonRequest/>"), "unsupported_operation"],
    [
      "a replaceResult without a score",
      envelope(
        "<replaceResultRequest><resultRecord><sourcedGUID><sourcedId>s</sourcedId></sourcedGUID></resultRecord></replaceResultRequest>",
      ),
      "missing_parameter",
    ],
    [
      "a request without a sourcedId",
      envelope("<readResultRequest><resultRecord/></readResultRequest>"),
      "missing_parameter",
    ],
    [
      "a request without a message identifier",
      replace("0.5").replace(/<imsx_messageIdentifier>.*<\/imsx_messageIdentifier>/, ""),
      "missing_parameter",
    ],
    ["an empty body", envelope(""), "not_a_pox_message"],
    ["a response sent as a request", buildOutcomeResponse({ codeMajor: "success" }), "not_a_pox_message"],
    ["XML with an entity", `<!DOCTYPE x [<!ENTITY a "1">]>${replace("&a;")}`, "xml_entities"],
    ["broken XML", replace("0.5").slice(0, 200), "invalid_xml"],
  ];
  const record = (sid: string, score = "0.5") =>
    `<resultRecord><sourcedGUID><sourcedId>${sid}</sourcedId></sourcedGUID><result><resultScore><textString>${score}</textString></resultScore></result></resultRecord>`;
  const read = (sid: string) =>
    `<readResultRequest><resultRecord><sourcedGUID><sourcedId>${sid}</sourcedId></sourcedGUID></resultRecord></readResultRequest>`;
  const bodyOnce = replace("0.5").match(/<imsx_POXBody>[\s\S]*<\/imsx_POXBody>/)?.[0] ?? "";
  const twoOperations: Array<[string, string]> = [
    [
      "two replaceResult operations",
      envelope(
        `<replaceResultRequest>${record("s-1")}</replaceResultRequest><replaceResultRequest>${record("s-2", "1.0")}</replaceResultRequest>`,
      ),
    ],
    [
      "a replaceResult and a deleteResult",
      envelope(
        `<replaceResultRequest>${record("s-1")}</replaceResultRequest><deleteResultRequest>${record("s-1")}</deleteResultRequest>`,
      ),
    ],
    ["two readResult operations", envelope(`${read("s-1")}${read("s-2")}`)],
    ["an unknown element after the operation", envelope(`${read("s-1")}<readPersonRequest/>`)],
    [
      "two resultRecords in one replaceResult",
      envelope(`<replaceResultRequest>${record("s-1")}${record("s-2")}</replaceResultRequest>`),
    ],
    ["two imsx_POXBody elements", replace("0.5").replace(bodyOnce, `${bodyOnce}${bodyOnce}`)],
  ];
  for (const [what, xml] of twoOperations) {
    it(`refuses ${what} with multiple_operations, naming the message`, () =>
      assert.throws(() => parseOutcomeRequest(xml), {
        code: "multiple_operations",
        details: { messageIdentifier: "msg-1" },
      }));
  }

  for (const [what, xml, code] of refused) {
    it(`refuses ${what} with ${code}`, () => assert.throws(() => parseOutcomeRequest(xml), { code }));
  }

  it("accepts an empty message identifier, as python-lti's outcome client sends it", () => {
    const xml = replace("0.5").replace(
      /<imsx_messageIdentifier>.*<\/imsx_messageIdentifier>/,
      "<imsx_messageIdentifier/>",
    );
    assert.deepEqual(parseOutcomeRequest(xml), {
      operation: "replaceResult",
      messageIdentifier: "",
      sourcedId: "s-1",
      score: 0.5,
      language: "en",
    });
  });

  it("peeks at the message identifier and operation of a refused request, and never throws", () => {
    assert.deepEqual(peekOutcomeRequest(replace("7")), {
      messageIdentifier: "msg-1",
      operation: "replaceResult",
    });
    assert.deepEqual(peekOutcomeRequest(envelope("<readPersonRequest/>")), {
      messageIdentifier: "msg-1",
      operation: "readPerson",
    });
    assert.deepEqual(peekOutcomeRequest("<<<"), {});
  });
});

describe("outcome responses", () => {
  it("round-trips a success for replaceResult", () => {
    const xml = buildOutcomeResponse({
      codeMajor: "success",
      description: "Score for s-1 is now 0.85",
      messageIdentifier: "resp-1",
      messageRefIdentifier: "msg-1",
      operationRefIdentifier: "replaceResult",
    });
    assert.ok(xml.includes("<replaceResultResponse/>"));
    assert.deepEqual(parseOutcomeResponse(xml), {
      success: true,
      codeMajor: "success",
      severity: "status",
      description: "Score for s-1 is now 0.85",
      messageIdentifier: "resp-1",
      messageRefIdentifier: "msg-1",
      operationRefIdentifier: "replaceResult",
    });
  });

  it("carries the score of a readResult, and an empty textString when there is no grade yet", () => {
    const read = parseOutcomeResponse(
      buildOutcomeResponse({ codeMajor: "success", operationRefIdentifier: "readResult", score: 0.5 }),
    );
    assert.equal(read.score, 0.5);
    const empty = buildOutcomeResponse({
      codeMajor: "success",
      operationRefIdentifier: "readResult",
      score: null,
    });
    assert.ok(empty.includes("<textString/>"));
    assert.equal(parseOutcomeResponse(empty).score, undefined);
  });

  it("writes a failure with severity error and unsupported with status, neither counting as success", () => {
    const failure = parseOutcomeResponse(
      buildOutcomeResponse({ codeMajor: "failure", description: "Bad sourcedId", messageRefIdentifier: "m" }),
    );
    assert.deepEqual(
      [failure.success, failure.severity, failure.description],
      [false, "error", "Bad sourcedId"],
    );
    const unsupported = parseOutcomeResponse(
      buildOutcomeResponse({ codeMajor: "unsupported", operationRefIdentifier: "readPerson" }),
    );
    assert.deepEqual(
      [unsupported.success, unsupported.severity, unsupported.operationRefIdentifier],
      [false, "status", "readPerson"],
    );
  });

  it("refuses a document that is not a response", () => {
    assert.throws(() => parseOutcomeResponse(replace("0.5")), { code: "not_a_pox_message" });
    assert.throws(() => parseOutcomeResponse("<html>502 Bad Gateway</html>"), { code: "not_a_pox_message" });
  });
});
