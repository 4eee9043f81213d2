// The LTI 1.3 sync transports against a scratch platform (test/support/lti13-scratch-platform.ts, jose, not
// Pluto's platform code) whose token endpoint verifies Pluto's client assertions with the JWKS Pluto's app
// serves at /lti/jwks: service tokens (cached, refetched once on 401), AGS scores and line items, NRPS pages.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { JSONWebKeySet } from "jose";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import {
  SCOPE,
  type ScratchPlatform,
  startScratchPlatform,
} from "../../../test/support/lti13-scratch-platform.js";
import { laterTimestamp } from "../../lti/services-client/ags.js";
import { guardedFetch } from "../../shared/outbound.js";
import { signingKey } from "../lti-common/platform-keys.service.js";
import { agsEndpointFrom } from "./grade-sync/transport.ags.js";
import type { AgsEndpoint, Score } from "./grade-sync/transport.js";
import { readAllMembers } from "./member-sync/source.js";
import { nrpsEndpointFrom } from "./member-sync/source.nrps.js";
import { type ServicePlatform, serviceTokens } from "./service-token.js";
import { type SyncTransports, syncTransports } from "./sync-transports.js";
import { TransportError } from "./transport-error.js";

const LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";
const INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";

async function transportError(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TransportError, `expected a TransportError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a TransportError");
}

for (const engine of testEngines()) {
  describe(`LTI 1.3 sync transports against a scratch platform (${engine})`, () => {
    let t: TestApp;
    let lms: ScratchPlatform;
    let transports: SyncTransports;
    let platform: ServicePlatform;
    const plutoJwks = async () =>
      (await t.app.inject({ method: "GET", url: "/lti/jwks" })).json<JSONWebKeySet>();

    before(async () => {
      t = await startTestApp(engine, { config: { outboundAllow: ["127.0.0.1"] } });
      lms = await startScratchPlatform({
        clientId: "pluto-tool-1",
        jwks: plutoJwks,
        now: () => t.clock.now(),
      });
      platform = { issuer: lms.url, clientId: "pluto-tool-1", tokenUrl: lms.tokenUrl };
    });
    after(async () => {
      await lms.close();
      await t.close();
    });
    beforeEach(() => {
      // A fresh process's caches for each case; the platform keeps its tokens and line items.
      transports = syncTransports({
        fetch: guardedFetch(["127.0.0.1"]),
        clock: t.clock,
        signer: () => signingKey(t.ctx),
        tokenCache: new Map(),
        lineItems: new Map(),
      });
      lms.requests.length = 0;
      lms.scores.length = 0;
      lms.scoreAnswers.length = 0;
      lms.refuseAllTokens = false;
      lms.refuseRlid = undefined;
    });

    let seq = 0;
    const score = (scoreGiven: number): Score => ({
      scoreGiven,
      scoreMaximum: 1,
      timestamp: new Date(t.clock.now().getTime() + ++seq).toISOString(),
      reference: `ref-${seq}`,
    });
    const lineItem = (n: number, over: Partial<{ resourceLinkId: string; resourceId: string }> = {}) => {
      const item = {
        id: `${lms.url}/lineitems/${n}/lineitem?type_id=1`,
        label: `Item ${n}`,
        scoreMaximum: 10,
        ...over,
      };
      lms.lineItems[n - 1] = item;
      return item.id;
    };
    const ags = (
      claim: Record<string, unknown>,
      over: Partial<{ resourceLinkId: string; userId: string }> = {},
    ) => {
      const e = agsEndpointFrom(
        {
          scope: [
            SCOPE.lineItem,
            SCOPE.score,
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
          ],
          ...claim,
        },
        {
          platform,
          resourceLinkId: over.resourceLinkId ?? "rl-1",
          userId: over.userId ?? "sub-1",
          resourceId: "pluto:course:7",
          label: "Biology (course total)",
        },
      );
      assert.ok(e);
      return e;
    };
    const send = (e: AgsEndpoint, s: Score) => transports.grades.ags.send(e, s);

    it("signs the client assertion with Pluto's published key, and one token serves several scores", async () => {
      const id = lineItem(1, { resourceLinkId: "rl-1" });
      const a = ags({ lineitem: id }, { userId: "sub-1" });
      const b = ags({ lineitem: id }, { userId: "sub-2" });
      await Promise.all([send(a, score(0.5)), send(b, score(1))]);
      await send(a, score(0.75));
      assert.equal(lms.tokenRequests(), 1);
      const assertion = lms.assertions.at(-1);
      const kids = (await plutoJwks()).keys.map((k) => k.kid);
      assert.ok(assertion?.kid && kids.includes(assertion.kid), "the kid is in Pluto's JWKS");
      assert.equal(assertion?.payload.iss, "pluto-tool-1");
      assert.equal(assertion?.payload.sub, "pluto-tool-1");
      assert.equal(assertion?.payload.aud, lms.tokenUrl);
      const tokenForm = new URLSearchParams(lms.requests.find((r) => r.path === "/token")?.body);
      assert.equal(
        tokenForm.get("scope"),
        [SCOPE.lineItem, SCOPE.score].sort().join(" "),
        "only the scopes grades use",
      );
      assert.equal(lms.scores.length, 3);
    });

    it("posts the exact score body to /scores before the line item's query, and sends a zero", async () => {
      const id = lineItem(1, { resourceLinkId: "rl-1" });
      const s = score(0);
      await send(ags({ lineitem: id }), s);
      const req = lms.requests.find((r) => r.path.endsWith("/scores"));
      assert.equal(req?.path, "/lineitems/1/lineitem/scores");
      assert.deepEqual(req?.query, { type_id: "1" });
      assert.equal(req?.contentType, "application/vnd.ims.lis.v1.score+json");
      assert.match(req?.authorization ?? "", /^Bearer scratch-token-\d+$/);
      assert.deepEqual(JSON.parse(req?.body ?? ""), {
        userId: "sub-1",
        scoreGiven: 0,
        scoreMaximum: 1,
        activityProgress: "Completed",
        gradingProgress: "FullyGraded",
        timestamp: s.timestamp,
      });
      assert.match(s.timestamp, /\.\d{3}Z$/);
    });

    it("sends timestamps the platform takes as strictly later, even within one millisecond", async () => {
      const e = ags({ lineitem: lineItem(1, { resourceLinkId: "rl-1" }) }, { userId: "sub-ts" });
      const now = t.clock.now();
      let last: string | undefined;
      for (const v of [0.1, 0.2, 0.3]) {
        last = laterTimestamp(now, last);
        await send(e, { scoreGiven: v, scoreMaximum: 1, timestamp: last, reference: "r" });
      }
      const sent = lms.scores.filter((x) => x.body.userId === "sub-ts").map((x) => String(x.body.timestamp));
      assert.equal(sent.length, 3);
      assert.ok(sent.every((ts, i) => i === 0 || Date.parse(ts) > Date.parse(sent[i - 1] ?? "")));
      // The same timestamp again is what the platform refuses, with its answer in the error.
      const err = await transportError(
        send(e, { scoreGiven: 0.4, scoreMaximum: 1, timestamp: last ?? "", reference: "r" }),
      );
      assert.equal(err.status, 400);
      assert.match(
        err.message,
        /the platform refused the score: HTTP 400: .*timestamp is not after the stored one/,
      );
    });

    it("drops a token the platform answers 401 to, fetches one more and succeeds", async () => {
      const e = ags({ lineitem: lineItem(1, { resourceLinkId: "rl-1" }) });
      await send(e, score(0.2));
      assert.equal(lms.tokenRequests(), 1);
      lms.revokeTokens();
      await send(e, score(0.3));
      assert.equal(lms.tokenRequests(), 2);
      const scoreCalls = lms.requests.filter((r) => r.path.endsWith("/scores"));
      assert.equal(scoreCalls.length, 3, "the refused call and its one retry");
      assert.notEqual(scoreCalls[1]?.authorization, scoreCalls[2]?.authorization);
      await send(e, score(0.4));
      assert.equal(lms.tokenRequests(), 2, "the fresh token is cached");
    });

    it("refetches only once: a second 401 is the send's error", async () => {
      const e = ags({ lineitem: lineItem(1, { resourceLinkId: "rl-1" }) });
      lms.refuseAllTokens = true;
      const err = await transportError(send(e, score(0.5)));
      assert.equal(err.status, 401);
      assert.equal(lms.tokenRequests(), 2);
      assert.equal(lms.requests.filter((r) => r.path.endsWith("/scores")).length, 2);
      assert.match(err.message, /HTTP 401: .*invalid_token/);
    });

    it("finds the line item by resource link in the container's pages, once for every user of the link", async () => {
      lms.lineItems.length = 0;
      lineItem(1, { resourceLinkId: "rl-other" });
      lineItem(2, { resourceLinkId: "rl-find", resourceId: "someone-else" });
      lineItem(3, { resourceLinkId: "rl-find", resourceId: "pluto:course:7" });
      lms.pageSize = 1;
      const container = `${lms.url}/lineitems?type_id=1`;
      await send(ags({ lineitems: container }, { resourceLinkId: "rl-find", userId: "u-1" }), score(0.5));
      await send(ags({ lineitems: container }, { resourceLinkId: "rl-find", userId: "u-2" }), score(0.6));
      lms.pageSize = 2;
      const gets = lms.requests.filter((r) => r.path === "/lineitems" && r.method === "GET");
      assert.deepEqual(
        gets.map((r) => r.query),
        [
          { type_id: "1", resource_link_id: "rl-find" },
          { type_id: "1", resource_link_id: "rl-find", offset: "1" },
        ],
      );
      assert.equal(lms.requests.filter((r) => r.path === "/lineitems" && r.method === "POST").length, 0);
      assert.deepEqual(
        lms.scores.map((s) => [s.lineItem, s.body.userId]),
        [
          [`${lms.url}/lineitems/3/lineitem?type_id=1`, "u-1"],
          [`${lms.url}/lineitems/3/lineitem?type_id=1`, "u-2"],
        ],
      );
    });

    it("creates the line item when the container has none for the link, bound to it and to Pluto's resource", async () => {
      const before = lms.lineItems.length;
      await send(ags({ lineitems: `${lms.url}/lineitems` }, { resourceLinkId: "rl-new" }), score(1));
      const post = lms.requests.find((r) => r.path === "/lineitems" && r.method === "POST");
      assert.equal(post?.contentType, "application/vnd.ims.lis.v2.lineitem+json");
      assert.deepEqual(JSON.parse(post?.body ?? ""), {
        label: "Biology (course total)",
        scoreMaximum: 1,
        resourceLinkId: "rl-new",
        resourceId: "pluto:course:7",
      });
      assert.equal(lms.lineItems.length, before + 1);
      assert.equal(lms.scores[0]?.lineItem, lms.lineItems.at(-1)?.id);
    });

    it("sends every grade of a link to one line item when two nodes create it at once", async () => {
      const node = () =>
        syncTransports({
          fetch: guardedFetch(["127.0.0.1"]),
          clock: t.clock,
          signer: () => signingKey(t.ctx),
          tokenCache: new Map(),
          lineItems: new Map(),
        }).grades.ags;
      const [a, b] = [node(), node()];
      const container = `${lms.url}/lineitems`;
      const users = ["n-1", "n-2", "n-3", "n-4"];
      await Promise.all(
        users.map((u, i) =>
          (i % 2 ? a : b).send(
            ags({ lineitems: container }, { resourceLinkId: "rl-race", userId: u }),
            score(0.5),
          ),
        ),
      );
      const items = new Set(
        lms.scores.filter((x) => users.includes(String(x.body.userId))).map((x) => x.lineItem),
      );
      assert.equal(lms.scores.length, 4);
      assert.equal(items.size, 1, "one line item takes the link's grades");
      assert.equal([...items][0], lms.lineItems.find((i) => i.resourceLinkId === "rl-race")?.id);
    });

    it("does not create a line item without the lineitem scope, and says so", async () => {
      const e = agsEndpointFrom(
        { lineitems: `${lms.url}/lineitems`, scope: [SCOPE.score, SCOPE.lineItemReadOnly] },
        { platform, resourceLinkId: "rl-none", userId: "sub-1", resourceId: "pluto:course:7", label: "L" },
      );
      assert.ok(e);
      const err = await transportError(send(e, score(1)));
      assert.equal(err.retryable, false);
      assert.match(err.message, /no line item for resource link rl-none.*lineitem scope/);
    });

    it("turns the platform's refusals into TransportErrors with its answer: lasting or worth a retry", async () => {
      const e = ags({ lineitem: lineItem(1, { resourceLinkId: "rl-1" }) });
      lms.scoreAnswers.push({
        status: 422,
        body: '{"error":"user_not_gradable","message":"User not found or not a student"}',
      });
      const gone = await transportError(send(e, score(0.5)));
      assert.deepEqual([gone.reason, gone.status, gone.retryable], ["refused", 422, false]);
      assert.match(gone.message, /HTTP 422: \{"error":"user_not_gradable".*not a student/);
      lms.scoreAnswers.push({ status: 503, body: "down for maintenance" });
      const down = await transportError(send(e, score(0.5)));
      assert.deepEqual([down.status, down.retryable], [503, true]);
      assert.match(down.message, /HTTP 503: down for maintenance/);
      assert.doesNotMatch(`${gone.message} ${down.message}`, /scratch-token/);
    });

    it("reports the token endpoint's refusal, without the assertion", async () => {
      const e = ags({ lineitem: lineItem(1, { resourceLinkId: "rl-1" }) });
      const wrong = { ...e, platform: { ...platform, clientId: "not-registered" } };
      const err = await transportError(send(wrong, score(0.5)));
      assert.equal(err.status, 401);
      assert.match(err.message, /token endpoint refused: invalid_client/);
      assert.doesNotMatch(err.message, /eyJ/);
      assert.equal(lms.scores.length, 0);
    });

    it("shares one token request between callers, and one caller stopping does not fail the others", async () => {
      const tokens = serviceTokens({
        fetch: guardedFetch(["127.0.0.1"]),
        clock: t.clock,
        signer: () => signingKey(t.ctx),
        cache: new Map(),
      });
      const stop = new AbortController();
      const first = tokens.token(platform, [SCOPE.score], stop.signal);
      const second = tokens.token(platform, [SCOPE.score]);
      stop.abort(new Error("stopping"));
      await assert.rejects(first, /stopping/);
      assert.match((await second).accessToken, /^scratch-token-/);
      assert.equal(lms.tokenRequests(), 1);
      assert.equal((await tokens.token(platform, [SCOPE.score])).accessToken, (await second).accessToken);
      assert.equal(lms.tokenRequests(), 1);
    });

    it("gives no AGS endpoint without a score scope or any line item URL", () => {
      const launch = { platform, resourceLinkId: "r", userId: "u", resourceId: "p", label: "L" };
      assert.equal(agsEndpointFrom({ lineitem: `${lms.url}/x`, scope: [SCOPE.lineItem] }, launch), undefined);
      assert.equal(agsEndpointFrom({ scope: [SCOPE.score] }, launch), undefined);
      assert.equal(agsEndpointFrom("nope", launch), undefined);
    });

    describe("NRPS", () => {
      before(() => {
        lms.members = [
          {
            user_id: "m-1",
            roles: [INSTRUCTOR],
            name: "Ina Str",
            given_name: "Ina",
            family_name: "Str",
            email: "i@x.example",
          },
          {
            user_id: "m-2",
            roles: [LEARNER],
            status: "Active",
            picture: "https://x.example/p.png",
            message: [],
          },
          { user_id: "m-3", roles: [LEARNER], status: "Inactive" },
          { user_id: "m-4", roles: [LEARNER], lis_person_sourcedid: "sis-4", unknown_field: { a: 1 } },
          { user_id: "m-5", roles: [LEARNER], given_name: "Five" },
        ];
      });
      const nrps = (rlid?: string) => {
        const e = nrpsEndpointFrom(
          { context_memberships_url: `${lms.url}/memberships`, service_versions: ["2.0"] },
          { platform, ...(rlid ? { resourceLinkId: rlid } : {}) },
        );
        assert.ok(e);
        return e;
      };
      const read = (rlid?: string) => readAllMembers(transports.members, nrps(rlid));

      it("reads every page to the end with one token, Active members only (a missing status is Active)", async () => {
        lms.pageSize = 2;
        const members = await read("rl-1");
        assert.deepEqual(members, [
          {
            userId: "m-1",
            roles: [INSTRUCTOR],
            givenName: "Ina",
            familyName: "Str",
            fullName: "Ina Str",
            email: "i@x.example",
          },
          { userId: "m-2", roles: [LEARNER] },
          { userId: "m-4", roles: [LEARNER] },
          { userId: "m-5", roles: [LEARNER], givenName: "Five" },
        ]);
        const pages = lms.requests.filter((r) => r.path === "/memberships");
        assert.deepEqual(
          pages.map((r) => r.query),
          [{ rlid: "rl-1" }, { rlid: "rl-1", offset: "2" }, { rlid: "rl-1", offset: "4" }],
        );
        assert.match(
          pages[0]?.accept ?? "",
          /^application\/vnd\.ims\.lti-nrps\.v2\.membershipcontainer\+json/,
        );
        assert.equal(lms.tokenRequests(), 1);
        assert.equal(new URLSearchParams(lms.requests[0]?.body).get("scope"), SCOPE.nrps);
      });

      it("reads the whole context when the platform refuses rlid (400 or 404)", async () => {
        for (const status of [400, 404]) {
          lms.requests.length = 0;
          lms.refuseRlid = status;
          const members = await read("rl-1");
          assert.equal(members.length, 4);
          assert.deepEqual(
            lms.requests.filter((r) => r.path === "/memberships").map((r) => r.query),
            [{ rlid: "rl-1" }, {}, { offset: "2" }, { offset: "4" }],
          );
        }
      });

      it("asks at context level without a resource link, and reads the older media type", async () => {
        lms.nrpsContentType = "application/vnd.ims.lis.v2.membershipcontainer+json";
        try {
          assert.equal((await read()).length, 4);
        } finally {
          lms.nrpsContentType = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";
        }
        assert.deepEqual(lms.requests.filter((r) => r.path === "/memberships")[0]?.query, {});
      });

      it("turns a refusal into a TransportError with the platform's answer", async () => {
        lms.refuseAllTokens = true;
        const err = await transportError(read("rl-1"));
        assert.equal(err.status, 401);
        assert.match(err.message, /memberships service refused: HTTP 401/);
        assert.equal(lms.tokenRequests(), 2, "one refetch, then the refusal");
      });
    });
  });
}

describe("the client assertion's audience", () => {
  it("is the platform's authorization server when it declared one", async () => {
    const t = await startTestApp("sqlite");
    const lms = await startScratchPlatform({
      clientId: "c-2",
      jwks: async () => (await t.app.inject({ method: "GET", url: "/lti/jwks" })).json<JSONWebKeySet>(),
      now: () => t.clock.now(),
      authorizationServer: "https://auth.lms.example/",
    });
    try {
      const transports = syncTransports({
        fetch: guardedFetch(["127.0.0.1"]),
        clock: t.clock,
        signer: () => signingKey(t.ctx),
        tokenCache: new Map(),
        lineItems: new Map(),
      });
      const platform = {
        issuer: lms.url,
        clientId: "c-2",
        tokenUrl: lms.tokenUrl,
        authorizationServer: "https://auth.lms.example/",
      };
      const e = nrpsEndpointFrom({ context_memberships_url: `${lms.url}/memberships` }, { platform });
      assert.ok(e);
      assert.deepEqual(await readAllMembers(transports.members, e), []);
      assert.equal(lms.assertions[0]?.payload.aud, "https://auth.lms.example/");
    } finally {
      await lms.close();
      await t.close();
    }
  });
});
