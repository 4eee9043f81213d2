// The memberships-extension member source against a consumer's memberships service: a test HTTP server that
// checks the OAuth signature with the independent oauth-1.0a package and answers a message_response.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeConsumer, membersXml, startFakeConsumer } from "../../../../test/support/lti11-consumer.js";
import { FakeClock } from "../../../shared/clock.js";
import { type Fetch, guardedFetch } from "../../../shared/outbound.js";
import { serviceTokens } from "../service-token.js";
import { TransportError } from "../transport-error.js";
import { type MembershipSources, type MembershipsExtEndpoint, readAllMembers } from "./source.js";
import { membershipsExtSource } from "./source.memberships-ext.js";
import { nrpsSource } from "./source.nrps.js";

const SECRET = "consumer-secret";
const clock = new FakeClock(new Date("2026-12-01T10:00:00Z"));

async function transportError(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TransportError, `expected a TransportError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the read to fail");
}

const sourcesOver = (fetch: Fetch): MembershipSources => ({
  memberships_ext: membershipsExtSource({ fetch, clock }),
  // Never reached: every endpoint here is a memberships-extension one.
  nrps: nrpsSource({
    fetch,
    tokens: serviceTokens({ fetch, clock, signer: () => Promise.reject(new Error("no LTI 1.3 here")) }),
  }),
});

describe("the memberships-extension member source", () => {
  let fc: FakeConsumer;
  const sources = sourcesOver(guardedFetch(["127.0.0.1"]));
  const endpoint = (over: Partial<MembershipsExtEndpoint> = {}): MembershipsExtEndpoint => ({
    kind: "memberships_ext",
    url: `${fc.url}/memberships`,
    membershipsId: "mid-1",
    consumerKey: "consumer-a",
    secret: SECRET,
    ...over,
  });
  before(async () => {
    fc = await startFakeConsumer(SECRET);
  });
  after(() => fc.close());

  it("reads the consumer's members in one signed request, as one page", async () => {
    fc.membersXml = membersXml([
      { userId: "u1", roles: "Instructor", given: "Ada", family: "Lovelace", email: "ada@c.example" },
      {
        userId: "u2",
        roles: "Learner",
        given: "Alan",
        family: "Turing",
        email: "alan@c.example",
        sourcedid: "s2",
      },
    ]);
    const before = fc.received.length;
    const pages: unknown[] = [];
    for await (const page of sources.memberships_ext.pages(endpoint())) pages.push(page);
    assert.equal(fc.received.length - before, 1);
    assert.ok(fc.received[before]?.valid, "oauth-1.0a verifies the signature");
    const form = new URLSearchParams(fc.received[before]?.body);
    assert.equal(form.get("lti_message_type"), "basic-lis-readmembershipsforcontext");
    assert.equal(form.get("id"), "mid-1");
    assert.equal(
      form.get("oauth_timestamp"),
      String(clock.now().getTime() / 1000),
      "signed at the given clock",
    );
    assert.deepEqual(pages, [
      [
        {
          userId: "u1",
          roles: ["Instructor"],
          givenName: "Ada",
          familyName: "Lovelace",
          fullName: "Ada Lovelace",
          email: "ada@c.example",
        },
        {
          userId: "u2",
          roles: ["Learner"],
          givenName: "Alan",
          familyName: "Turing",
          fullName: "Alan Turing",
          email: "alan@c.example",
          resultSourcedId: "s2",
        },
      ],
    ]);
    assert.deepEqual(
      (await readAllMembers(sources, endpoint())).map((m) => m.userId),
      ["u1", "u2"],
    );
  });

  it("fails retryably with the HTTP status when the consumer refuses the signature", async () => {
    const err = await transportError(readAllMembers(sources, endpoint({ secret: "not-the-secret" })));
    assert.equal(err.reason, "refused");
    assert.equal(err.status, 401);
    assert.equal(err.retryable, true);
    assert.equal(err.message, "the consumer's memberships service answered HTTP 401");
  });

  it("fails with the consumer's description when it answers Failure", async () => {
    fc.membersXml =
      '<?xml version="1.0"?><message_response><statusinfo><codemajor>Failure</codemajor><description>No such context</description></statusinfo></message_response>';
    const err = await transportError(readAllMembers(sources, endpoint()));
    assert.equal(err.reason, "refused");
    assert.equal(err.message, "the consumer's memberships service failed: No such context");
  });

  it("calls an answer that is not a memberships response a bad response", async () => {
    const fetch: Fetch = async (url) => ({
      status: 200,
      url,
      contentType: "text/html",
      body: Buffer.from("<html/>"),
    });
    const err = await transportError(readAllMembers(sourcesOver(fetch), endpoint()));
    assert.equal(err.reason, "bad_response");
    assert.match(err.message, /Not a memberships response/);
  });

  it("fails for good, sending nothing, when the memberships URL is a private address not allowed", async () => {
    const before = fc.received.length;
    const err = await transportError(readAllMembers(sourcesOver(guardedFetch([])), endpoint()));
    assert.equal(err.reason, "blocked_address");
    assert.equal(err.retryable, false);
    assert.equal(fc.received.length, before);
  });
});
