// Cross-checks against npm `ims-lti` 3.0.2, an independent LTI 1.1 tool library, run in-process.
// Interop: ims-lti sorts "name=value" strings instead of names then values (peers.md §1.3), so launches whose
// parameter names are prefixes of each other (custom_x, custom_x1) fail there; the launches below avoid them.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { memoryNonceStore } from "../ports.js";
import { buildLaunchParams } from "./launch.js";
import { signRequest } from "./oauth.js";
import { verifyBodyHashRequest } from "./oauth-body-hash.js";
import { buildOutcomeResponse, parseOutcomeRequest } from "./outcomes.js";

type Callback = (err: Error | null, result: unknown) => void;
interface ImsProvider {
  valid_request(req: object, body: object, cb: Callback): void;
  userId?: string;
  student: boolean;
  instructor: boolean;
  context_id?: string;
  outcome_service: unknown;
}
interface ImsOutcomeService {
  _send_request(doc: { finalize(): string }, cb: Callback): void;
  _build_headers(body: string): { Authorization: string };
  _process_response(body: string, cb: Callback): void;
  send_replace_result(score: number, cb: Callback): void;
  send_replace_result_with_text(score: number, text: string, cb: Callback): void;
  send_read_result(cb: Callback): void;
  send_delete_result(cb: Callback): void;
}
interface ImsLti {
  Provider: new (key: string, secret: string) => ImsProvider;
  OutcomeService: new (options: Record<string, unknown>) => ImsOutcomeService;
}
const lti = createRequire(import.meta.url)("ims-lti") as ImsLti;

const call = <T>(f: (cb: Callback) => void) =>
  new Promise<T>((resolve, reject) => f((err, result) => (err ? reject(err) : resolve(result as T))));

/** Posts our signed launch to an ims-lti Provider as an https request to host/path?query. */
function imsValidates(params: Record<string, string>, host: string, pathAndQuery: string) {
  const provider = new lti.Provider("consumer-1", "s3cret");
  const req = { protocol: "https", headers: { host }, url: pathAndQuery, method: "POST", body: params };
  return { provider, result: call<boolean>((cb) => provider.valid_request(req, params, cb)) };
}

describe("ims-lti accepts launches signed by signRequest", () => {
  const launch = buildLaunchParams({
    resourceLink: { id: "act-1", title: "Unit 1" },
    user: {
      id: "u-1",
      roles: "Learner,urn:lti:role:ims/lis/Learner",
      fullName: "Zoë O'Brien",
      email: "z@x.test",
    },
    context: { id: "c-1", title: "Maths (advanced) & more!" },
    outcome: { serviceUrl: "https://lms.test/outcomes", sourcedId: "sid-1" },
    custom: { Colour: "blue/green*~ 100%", emoji: "🙂" },
  });

  it("for a launch URL with a default port and a query string", async () => {
    const signed = signRequest(
      launch,
      "https://Tool.Test:443/lti/launch?tenant=abc&x=1",
      "POST",
      "consumer-1",
      "s3cret",
    );
    const { provider, result } = imsValidates(signed, "tool.test", "/lti/launch?tenant=abc&x=1");
    assert.equal(await result, true);
    assert.equal(provider.userId, "u-1");
    assert.equal(provider.student, true);
    assert.equal(provider.context_id, "c-1");
    assert.ok(provider.outcome_service);
  });

  it("and rejects the same launch once a parameter is changed (the oracle can fail)", async () => {
    const signed = signRequest(launch, "https://tool.test/lti/launch", "POST", "consumer-1", "s3cret");
    const { result } = imsValidates({ ...signed, roles: "Instructor" }, "tool.test", "/lti/launch");
    await assert.rejects(result, /Invalid Signature/);
  });
});

describe("ims-lti's outcome client against our outcome service code", () => {
  const url = "http://127.0.0.1:3100/lti/outcomes?tool=7";
  const clock = { now: () => new Date() };

  /** An OutcomeService whose transport is replaced by our verifier, parser and response builder. */
  function service(seen: Array<ReturnType<typeof parseOutcomeRequest>>, score: number | null = null) {
    const s = new lti.OutcomeService({
      consumer_key: "key",
      consumer_secret: "secret",
      service_url: url,
      source_did: "sourced-1",
      result_data_types: ["text"],
    });
    const nonceStore = memoryNonceStore(clock);
    s._send_request = (doc, cb) => {
      const body = doc.finalize();
      const authorization = s._build_headers(body).Authorization;
      verifyBodyHashRequest({ url, authorization, body }, { secret: "secret", clock, nonceStore }).then(
        () => {
          const request = parseOutcomeRequest(body);
          seen.push(request);
          const response = buildOutcomeResponse({
            codeMajor: "success",
            messageRefIdentifier: request.messageIdentifier,
            operationRefIdentifier: request.operation,
            score: request.operation === "readResult" ? score : undefined,
          });
          s._process_response(response, cb);
        },
        (e: unknown) => cb(e instanceof Error ? e : new Error(String(e)), false),
      );
    };
    return s;
  }

  it("verifies and reads replaceResult, with and without result text", async () => {
    const seen: Array<ReturnType<typeof parseOutcomeRequest>> = [];
    const s = service(seen);
    assert.equal(await call<boolean>((cb) => s.send_replace_result(0.85, cb)), true);
    assert.equal(await call<boolean>((cb) => s.send_replace_result_with_text(0.5, "Well done", cb)), true);
    assert.deepEqual(
      seen.map((r) => [r.operation, r.sourcedId, r.score, r.language, r.resultData?.text]),
      [
        ["replaceResult", "sourced-1", 0.85, "en", undefined],
        ["replaceResult", "sourced-1", 0.5, "en", "Well done"],
      ],
    );
  });

  it("answers readResult with a score ims-lti reads back, and deleteResult", async () => {
    const seen: Array<ReturnType<typeof parseOutcomeRequest>> = [];
    assert.equal(await call<number>((cb) => service(seen, 0.42).send_read_result(cb)), 0.42);
    assert.equal(await call<boolean>((cb) => service(seen).send_delete_result(cb)), true);
    assert.deepEqual(
      seen.map((r) => r.operation),
      ["readResult", "deleteResult"],
    );
  });

  it("makes ims-lti report a failure envelope as an error", async () => {
    const s = new lti.OutcomeService({
      consumer_key: "k",
      consumer_secret: "s",
      service_url: url,
      source_did: "x",
    });
    const failure = buildOutcomeResponse({ codeMajor: "failure", description: "Unknown sourcedId" });
    await assert.rejects(
      call((cb) => s._process_response(failure, cb)),
      /Unknown sourcedId/,
    );
  });
});
