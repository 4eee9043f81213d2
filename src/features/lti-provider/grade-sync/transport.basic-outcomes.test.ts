// The Basic Outcomes grade transport against a consumer's outcome service: a test HTTP server that checks the
// OAuth signature and oauth_body_hash with the independent oauth-1.0a package.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { type FakeConsumer, startFakeConsumer } from "../../../../test/support/lti11-consumer.js";
import { parseOutcomeRequest } from "../../../lti/v1p1/outcomes.js";
import { type Fetch, guardedFetch, type OutboundResponse } from "../../../shared/outbound.js";
import { TransportError } from "../transport-error.js";
import { basicOutcomesTransport } from "./transport.basic-outcomes.js";
import type { BasicOutcomesEndpoint, Score } from "./transport.js";

const SECRET = "consumer-secret";
const score: Score = {
  scoreGiven: 0.75,
  scoreMaximum: 1,
  timestamp: "2026-12-01T10:00:00.000Z",
  reference: "pluto-7-1",
};

/** Resolves with the TransportError the promise rejects with. */
async function transportError(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TransportError, `expected a TransportError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the send to fail");
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("the Basic Outcomes grade transport", () => {
  let fc: FakeConsumer;
  const transport = basicOutcomesTransport({ fetch: guardedFetch(["127.0.0.1"]) });
  const endpoint = (over: Partial<BasicOutcomesEndpoint> = {}): BasicOutcomesEndpoint => ({
    kind: "basic_outcomes",
    serviceUrl: `${fc.url}/outcomes`,
    sourcedId: "sid-1",
    consumerKey: "consumer-a",
    secret: SECRET,
    ...over,
  });
  before(async () => {
    fc = await startFakeConsumer(SECRET);
  });
  after(() => fc.close());

  it("posts a replaceResult the consumer verifies and reads, and resolves with the consumer's description", async () => {
    fc.mode = "success";
    const before = fc.received.length;
    const receipt = await transport.send(endpoint(), score);
    assert.deepEqual(receipt, { description: "Score recorded" });
    const got = fc.received.slice(before);
    assert.equal(got.length, 1);
    assert.ok(got[0]?.valid, "oauth-1.0a verifies the signature and oauth_body_hash");
    const sent = parseOutcomeRequest(got[0]?.body ?? "");
    assert.equal(sent.operation, "replaceResult");
    assert.equal(sent.sourcedId, "sid-1");
    assert.equal(sent.score, 0.75);
    assert.equal(sent.messageIdentifier, "pluto-7-1");
  });

  it("sends scoreGiven as a fraction of scoreMaximum", async () => {
    fc.mode = "success";
    const before = fc.received.length;
    await transport.send(endpoint(), { ...score, scoreGiven: 3, scoreMaximum: 12 });
    assert.equal(parseOutcomeRequest(fc.received[before]?.body ?? "").score, 0.25);
  });

  it("fails retryably with the consumer's description when the consumer answers failure", async () => {
    fc.mode = "failure";
    const err = await transportError(transport.send(endpoint(), score));
    assert.equal(err.reason, "refused");
    assert.equal(err.retryable, true);
    assert.equal(err.status, 200);
    assert.equal(err.message, "the consumer refused the grade: Refused");
  });

  it("fails when signed with another secret (the consumer refuses the signature)", async () => {
    fc.mode = "success";
    const before = fc.received.length;
    const err = await transportError(transport.send(endpoint({ secret: "not-the-secret" }), score));
    assert.equal(fc.received[before]?.valid, false);
    assert.equal(err.reason, "refused");
  });

  it("fails retryably with the HTTP status when the consumer answers an error page", async () => {
    fc.mode = 500;
    const err = await transportError(transport.send(endpoint(), score));
    assert.equal(err.reason, "refused");
    assert.equal(err.retryable, true);
    assert.equal(err.status, 500);
    assert.equal(err.message, "the consumer refused the grade: HTTP 500");
  });

  it("fails retryably when the consumer cannot be reached", async () => {
    const err = await transportError(
      transport.send(endpoint({ serviceUrl: `http://127.0.0.1:${await closedPort()}/outcomes` }), score),
    );
    assert.equal(err.reason, "unreachable");
    assert.equal(err.retryable, true);
  });

  it("fails for good, sending nothing, when the outcome URL is a private address not allowed", async () => {
    fc.mode = "success";
    const before = fc.received.length;
    const strict = basicOutcomesTransport({ fetch: guardedFetch([]) });
    const err = await transportError(strict.send(endpoint(), score));
    assert.equal(err.reason, "blocked_address");
    assert.equal(err.retryable, false);
    assert.equal(fc.received.length, before);
  });

  it("uses the fetch it is given, and calls an answer that is not a POX response a bad response", async () => {
    const calls: Array<{ url: string; contentType: string | undefined }> = [];
    const fetch: Fetch = async (url, options) => {
      calls.push({ url, contentType: options?.headers?.["content-type"] });
      const res: OutboundResponse = {
        status: 200,
        url,
        contentType: "text/html",
        body: Buffer.from("<html><body>Welcome</body></html>"),
      };
      return res;
    };
    const err = await transportError(
      basicOutcomesTransport({ fetch }).send(endpoint({ serviceUrl: "https://consumer.example/o" }), score),
    );
    assert.deepEqual(calls, [{ url: "https://consumer.example/o", contentType: "application/xml" }]);
    assert.equal(err.reason, "bad_response");
    assert.equal(err.retryable, true);
    assert.equal(err.message, "the consumer refused the grade: HTTP 200");
  });
});
