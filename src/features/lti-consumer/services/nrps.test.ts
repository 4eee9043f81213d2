// Names and Role Provisioning Services 2.0 (cases 178–188) end to end: tools trade a jose-signed client
// assertion for a token at /lti/token, then read the course's membership container — exact headers, Link
// next while more remain, role filters, paging, rlid with message[], Inactive members, privacy — and its
// differences after members are added, suspended and removed; and every refusal with its status.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { enrolAs, makeCourse } from "../../../../test/support/factories.js";
import { cursorKey, parseLinkHeader, sealCursor } from "../../../lti/nrps/paging.js";
import { AGS_SCOPE, NRPS_SCOPE_MEMBERSHIP_READONLY as NRPS } from "../../../lti/vocab/claims.js";
import { setActivityVisible } from "../../activities/activities.service.js";
import type { Course } from "../../courses/courses.service.js";
import {
  enrolUser,
  manualInstance,
  setEnrolmentStatus,
  unenrolUser,
} from "../../enrolments/enrolments.service.js";
import type { ToolType } from "../lti-consumer.repository.js";
import { ltiConsumerTasks, MEMBERSHIP_CHANGES_CLEANUP_TASK } from "../lti-consumer.tasks.js";
import { opaqueUserId, siteSecret } from "../tokens.service.js";
import type { ToolRegistration } from "../tools/tool-registrations.service.js";
import { nrpsLaunchClaim } from "./nrps.service.js";

const PLUTO = "http://pluto.test";
const MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json";
const MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#";
const CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom";
const MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
interface Member {
  user_id: string;
  roles: string[];
  status: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  email?: string;
  message?: Array<Record<string, unknown>>;
}
interface Container {
  id: string;
  context: { id: string; label?: string; title?: string };
  members: Member[];
}

for (const engine of testEngines()) {
  describe(`LTI NRPS 2.0 memberships (${engine})`, () => {
    let t: TestApp;
    let key: KeyPair;
    let course: Course;
    let other: Course;
    const tools: Record<string, { id: number; clientId: string }> = {};
    const users: Record<string, number> = {};
    let linkId: number;
    let hiddenLinkId: number;
    let privateLinkId: number;
    let secret: string;
    let jti = 0;

    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: PLUTO } });
      key = await generateKeyPair("RS256", { extractable: true });
      const adminToken = await t.token((await t.admin()).id);
      const publicKey = await exportSPKI(key.publicKey);
      for (const [name, extra] of [
        [
          "roster",
          { customParameters: "topic=$CourseSection.title\nrole=$Membership.role\nlogin=$User.username" },
        ],
        ["private", { shareName: false, shareEmail: false }],
        ["unused", {}],
      ] as const) {
        const res = await api(t.app, adminToken, "POST", "/api/v1/lti/tool-types", {
          ltiVersion: "1.3",
          name,
          toolUrl: "https://tool.example/launch",
          initiateLoginUrl: "https://tool.example/login",
          redirectUris: ["https://tool.example/launch"],
          publicKey,
          ...extra,
        });
        assert.equal(res.status, 201, res.body);
        tools[name] = res.json as { id: number; clientId: string };
      }
      course = await makeCourse(t, { fullname: "Biology", shortname: "BIO" });
      other = await makeCourse(t, { fullname: "Chemistry", shortname: "CHEM" });
      for (const [username, firstname, role] of [
        ["tina", "Tina", "editingteacher"],
        ["sam", "Sam", "student"],
        ["sue", "Sue", "student"],
        ["ted", "Ted", "teacher"],
        ["stan", "Stan", "student"],
      ] as const) {
        const u = await t.user(username, {
          firstname,
          lastname: "Example",
          email: `${username}@example.org`,
        });
        users[username] = u.id;
        await enrolAs(t, course.id, u.id, role);
      }
      // Stan's enrolment is suspended: listed, Inactive.
      const manual = await manualInstance(t.ctx.db, course.id);
      await t.ctx.db.transaction().execute((trx) =>
        setEnrolmentStatus(trx, t.clock, {
          instanceId: manual.id,
          userId: users.stan ?? 0,
          status: "suspended",
        }),
      );
      const teacher = await t.token(users.tina ?? 0);
      const addLink = async (courseId: number, name: string, toolTypeId: number) => {
        const a = await api(t.app, teacher, "POST", `/api/v1/courses/${courseId}/activities`, {
          type: "lti",
          name,
          section: 1,
          settings: { toolTypeId },
        });
        assert.equal(a.status, 201, a.body);
        return (a.json as { id: number }).id;
      };
      linkId = await addLink(course.id, "Cells", tools.roster?.id ?? 0);
      hiddenLinkId = await addLink(course.id, "Answers", tools.roster?.id ?? 0);
      await setActivityVisible(t.ctx.db, t.ctx, hiddenLinkId, false);
      privateLinkId = await addLink(course.id, "Private", tools.private?.id ?? 0);
      await enrolAs(t, other.id, users.tina ?? 0, "editingteacher");
      await addLink(other.id, "Elsewhere", tools.unused?.id ?? 0);
      secret = await siteSecret(t.ctx.db, t.clock);
    });
    after(() => t.close());

    const sub = (username: string) => opaqueUserId(secret, users[username] ?? 0);

    async function tokenFor(tool: string, scope = NRPS): Promise<string> {
      const clientId = tools[tool]?.clientId ?? "";
      const now = Math.floor(t.clock.now().getTime() / 1000);
      const assertion = await new SignJWT({
        iss: clientId,
        sub: clientId,
        aud: `${PLUTO}/lti/token`,
        iat: now,
        exp: now + 60,
        jti: `nrps-${engine}-${++jti}`,
      })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .sign(key.privateKey);
      const res = await t.app.inject({
        method: "POST",
        url: "/lti/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
          scope,
        }).toString(),
      });
      assert.equal(res.statusCode, 200, res.body);
      return String(res.json().access_token);
    }

    async function get(url: string, token: string | undefined, accept = MEDIA) {
      const u = new URL(url, PLUTO);
      const res = await t.app.inject({
        method: "GET",
        url: `${u.pathname}${u.search}`,
        headers: { accept, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      });
      const links = parseLinkHeader(res.headers.link as string | undefined);
      return { status: res.statusCode, headers: res.headers, json: res.json() as Container, links };
    }

    const url = (courseId: number, query = "") => `${PLUTO}/lti/nrps/${courseId}/memberships${query}`;
    const byName = (c: Container) =>
      Object.fromEntries(
        Object.entries(users)
          .map(([n]) => [n, c.members.find((m) => m.user_id === sub(n))] as const)
          .filter(([, m]) => m !== undefined),
      );

    it("answers the full container with the NRPS media type, the launch subs, roles, status and names", async () => {
      const token = await tokenFor("roster");
      const res = await get(url(course.id), token);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(res.headers["content-type"], MEDIA);
      assert.equal(res.headers["cache-control"], "no-store");
      assert.equal(res.json.id, url(course.id));
      assert.deepEqual(res.json.context, { id: String(course.id), label: "BIO", title: "Biology" });
      assert.equal(res.json.members.length, 5);
      const m = byName(res.json);
      assert.deepEqual(m.tina, {
        status: "Active",
        name: "Tina Example",
        given_name: "Tina",
        family_name: "Example",
        email: "tina@example.org",
        user_id: sub("tina"),
        roles: [`${MEMBERSHIP}Instructor`],
      });
      assert.deepEqual(m.sam?.roles, [`${MEMBERSHIP}Learner`]);
      assert.deepEqual(m.ted?.roles, [`${MEMBERSHIP}Learner`]);
      assert.equal(m.stan?.status, "Inactive");
      assert.equal(m.sam?.message, undefined);
      // No more members: no next; a since-URL for differences.
      assert.equal(res.links.next, undefined);
      assert.match(res.links.differences ?? "", /^http:\/\/pluto\.test\/lti\/nrps\/\d+\/memberships\?since=/);
    });

    it("accepts the older Canvas media type and refuses one it cannot answer", async () => {
      const token = await tokenFor("roster");
      const legacy = await get(url(course.id), token, "application/vnd.ims.lis.v2.membershipcontainer+json");
      assert.equal(legacy.status, 200);
      assert.equal(legacy.headers["content-type"], MEDIA);
      const html = await get(url(course.id), token, "text/html");
      assert.equal(html.status, 406);
      assert.equal((html.json as unknown as { error: string }).error, "not_acceptable");
    });

    it("filters by role, as a short name or a full URI", async () => {
      const token = await tokenFor("roster");
      const learners = await get(url(course.id, "?role=Learner"), token);
      assert.deepEqual(Object.keys(byName(learners.json)).sort(), ["sam", "stan", "sue", "ted"]);
      const uri = encodeURIComponent(`${MEMBERSHIP}Instructor`);
      const instructors = await get(url(course.id, `?role=${uri}`), token);
      assert.deepEqual(Object.keys(byName(instructors.json)), ["tina"]);
      const mentors = await get(url(course.id, "?role=Mentor"), token);
      assert.deepEqual(mentors.json.members, []);
    });

    it("pages with limit: Link next on every page but the last, carrying the filters", async () => {
      const token = await tokenFor("roster");
      let next: string | undefined = url(course.id, "?role=Learner&limit=1");
      const seen: string[] = [];
      let pages = 0;
      while (next !== undefined) {
        const page = await get(next, token);
        assert.equal(page.status, 200, JSON.stringify(page.json));
        assert.equal(page.headers["content-type"], MEDIA);
        assert.equal(page.json.members.length, 1);
        assert.ok(page.links.differences);
        seen.push(...page.json.members.map((m) => m.user_id));
        pages++;
        next = page.links.next;
        if (next !== undefined) {
          const q = new URL(next).searchParams;
          assert.equal(q.get("role"), `${MEMBERSHIP}Learner`);
          assert.equal(q.get("limit"), "1");
        }
      }
      assert.equal(pages, 4);
      assert.deepEqual(seen.sort(), ["sam", "stan", "sue", "ted"].map(sub).sort());
      const bad = await get(url(course.id, "?limit=0"), token);
      assert.equal(bad.status, 400);
      assert.equal((bad.json as unknown as { error: string }).error, "invalid_parameter");
    });

    it("narrows to a resource link's members, each with message[] carrying their custom values", async () => {
      const token = await tokenFor("roster");
      const res = await get(url(course.id, `?rlid=${linkId}`), token);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const m = byName(res.json);
      assert.deepEqual(Object.keys(m).sort(), ["sam", "stan", "sue", "ted", "tina"]);
      assert.deepEqual(m.sam?.message, [
        {
          [MESSAGE_TYPE]: "LtiResourceLinkRequest",
          [CUSTOM]: { topic: "Biology", role: "Learner", login: "sam" },
        },
      ]);
      assert.deepEqual(m.tina?.message?.[0]?.[CUSTOM], {
        topic: "Biology",
        role: "Instructor",
        login: "tina",
      });
      // A hidden link: only those who see hidden activities.
      const hidden = await get(url(course.id, `?rlid=${hiddenLinkId}`), token);
      assert.deepEqual(Object.keys(byName(hidden.json)).sort(), ["ted", "tina"]);
      // Another tool's link, and no link at all.
      for (const rlid of [String(privateLinkId), "999999", "x"]) {
        const refused = await get(url(course.id, `?rlid=${rlid}`), token);
        assert.equal(refused.status, 404, rlid);
        assert.equal((refused.json as unknown as { error: string }).error, "unknown_rlid");
      }
    });

    it("leaves names and email out when the tool's privacy settings do not share them", async () => {
      const token = await tokenFor("private");
      for (const query of ["", `?rlid=${privateLinkId}`]) {
        const res = await get(url(course.id, query), token);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.equal(res.json.members.length, 5);
        for (const m of res.json.members) {
          assert.deepEqual(
            Object.keys(m).sort(),
            query ? ["message", "roles", "status", "user_id"] : ["roles", "status", "user_id"],
          );
        }
      }
    });

    it("refuses another tool's context, an unknown context, a missing or bad token and a token without the scope", async () => {
      const unused = await get(url(course.id), await tokenFor("unused"));
      assert.equal(unused.status, 403);
      assert.equal((unused.json as unknown as { error: string }).error, "context_not_deployed");
      const roster = await tokenFor("roster");
      const elsewhere = await get(url(other.id), roster);
      assert.equal(elsewhere.status, 403);
      for (const id of ["999999", "abc", "0"]) {
        const unknown = await get(`${PLUTO}/lti/nrps/${id}/memberships`, roster);
        assert.equal(unknown.status, 404, id);
        assert.equal((unknown.json as unknown as { error: string }).error, "unknown_context");
      }
      const none = await get(url(course.id), undefined);
      assert.equal(none.status, 401);
      assert.match(String(none.headers["www-authenticate"]), /^Bearer error="invalid_token"/);
      const bad = await get(url(course.id), "not-a-token");
      assert.equal(bad.status, 401);
      const agsOnly = await get(url(course.id), await tokenFor("roster", AGS_SCOPE.score));
      assert.equal(agsOnly.status, 403);
      assert.equal((agsOnly.json as unknown as { error: string }).error, "bearer_insufficient_scope");
      assert.match(
        String(agsOnly.headers["www-authenticate"]),
        /insufficient_scope.*scope=".*contextmembership/,
      );
    });

    it("is named in the OpenAPI document at the site root, with its query parameters", async () => {
      const doc = (await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json as {
        paths: Record<
          string,
          { get?: { servers?: Array<{ url: string }>; parameters?: Array<{ name: string; in: string }> } }
        >;
      };
      const op = doc.paths["/lti/nrps/{contextId}/memberships"]?.get;
      assert.ok(op, "the NRPS endpoint is in the OpenAPI document");
      assert.deepEqual(op.servers, [{ url: PLUTO }]);
      assert.deepEqual(
        (op.parameters ?? []).map((x) => `${x.in}:${x.name}`),
        ["path:contextId", "query:role", "query:rlid", "query:limit", "query:since", "query:p"],
      );
    });

    it("refuses a forged cursor and one from another context", async () => {
      const token = await tokenFor("roster");
      const forged = await get(url(course.id, "?since=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), token);
      assert.equal(forged.status, 400);
      assert.equal((forged.json as unknown as { error: string }).error, "invalid_cursor");
      const foreign = sealCursor(cursorKey(secret), { c: other.id, m: 0, t: t.clock.now().toISOString() });
      const res = await get(url(course.id, `?since=${foreign}`), token);
      assert.equal(res.status, 400);
    });

    it("lists the members added, changed and removed since a full listing (differences)", async () => {
      // Past the minute in which changes just before a listing are listed again.
      t.clock.advance(120);
      const token = await tokenFor("roster");
      const full = await get(url(course.id), token);
      const since = full.links.differences ?? "";
      const quiet = await get(since, token);
      assert.equal(quiet.status, 200);
      assert.equal(quiet.headers["content-type"], MEDIA);
      assert.deepEqual(quiet.json.members, []);
      const nina = await t.user("nina", { firstname: "Nina", lastname: "New", email: "nina@example.org" });
      users.nina = nina.id;
      await enrolAs(t, course.id, nina.id, "student");
      const manual = await manualInstance(t.ctx.db, course.id);
      await t.ctx.db.transaction().execute(async (trx) => {
        await setEnrolmentStatus(trx, t.clock, {
          instanceId: manual.id,
          userId: users.sam ?? 0,
          status: "suspended",
        });
        await unenrolUser(trx, { instanceId: manual.id, userId: users.sue ?? 0 }, t.clock);
      });
      const diff = await get(since, token);
      assert.equal(diff.status, 200, JSON.stringify(diff.json));
      assert.equal(diff.json.id, since);
      const m = byName(diff.json);
      assert.equal(m.nina?.status, "Active");
      assert.deepEqual(m.nina?.roles, [`${MEMBERSHIP}Learner`]);
      assert.equal(m.nina?.name, "Nina New");
      assert.equal(m.sam?.status, "Inactive");
      assert.deepEqual(m.sue, { status: "Deleted", user_id: sub("sue"), roles: [] });
      assert.equal(m.tina, undefined);
      assert.ok(diff.links.differences);
      // Deleted appears only in differences: the full list simply lacks Sue.
      const after = await get(url(course.id), token);
      assert.equal(byName(after.json).sue, undefined);
      assert.equal(
        after.json.members.some((x) => x.status === "Deleted"),
        false,
      );
      // Paged differences carry the since position: the same members over pages of one.
      let next: string | undefined = `${since}&limit=1`;
      const paged: string[] = [];
      while (next !== undefined) {
        const page = await get(next, token);
        assert.equal(page.status, 200);
        paged.push(...page.json.members.map((x) => `${x.user_id}:${x.status}`));
        next = page.links.next;
      }
      assert.deepEqual(paged.sort(), diff.json.members.map((x) => `${x.user_id}:${x.status}`).sort());
      // Re-enrolled: listed again, Active.
      await t.ctx.db
        .transaction()
        .execute((trx) =>
          enrolUser(
            trx,
            { clock: t.clock, engine: t.ctx.engine },
            { instanceId: manual.id, userId: users.sue ?? 0, role: "student", checkOpen: false },
          ),
        );
      const again = await get(diff.links.differences ?? "", token);
      assert.equal(byName(again.json).sue?.status, "Active");
    });

    it("refuses a since-cursor older than the change log (reload), and the cleanup task prunes the log", async () => {
      const since = (await get(url(course.id), await tokenFor("roster"))).links.differences ?? "";
      t.clock.advance(31 * 86400);
      const token = await tokenFor("roster");
      const old = await get(since, token);
      assert.equal(old.status, 410);
      assert.equal((old.json as unknown as { error: string }).error, "since_too_old");
      assert.match((old.json as unknown as { error_description: string }).error_description, /reload/);
      const task = ltiConsumerTasks.find((x) => x.name === MEMBERSHIP_CHANGES_CLEANUP_TASK);
      assert.ok(task);
      const before = await t.ctx.db.selectFrom("membership_changes").select("id").execute();
      assert.ok(before.length > 0);
      const out = await task.handler(t.ctx, undefined, {} as never);
      assert.match(
        String(out?.message),
        new RegExp(`deleted ${before.length} membership change log entries`),
      );
      assert.equal((await t.ctx.db.selectFrom("membership_changes").select("id").execute()).length, 0);
      // A fresh full listing still works, and its differences link is current.
      const fresh = await get(url(course.id), token);
      assert.equal((await get(fresh.links.differences ?? "", token)).status, 200);
    });
  });
}

describe("the launch's NRPS claim follows allowedScopes", () => {
  const reg = (nrps: boolean) => ({ services: { ags: true, nrps } }) as ToolRegistration;
  const tool = { acceptGrades: false } as ToolType;
  it("offers the course's memberships URL to a tool whose NRPS switch is on", () => {
    assert.deepEqual(nrpsLaunchClaim(PLUTO, tool, reg(true), 7), {
      contextMembershipsUrl: `${PLUTO}/lti/nrps/7/memberships`,
    });
  });
  it("offers nothing when the tool's NRPS switch is off, or without a site tool", () => {
    assert.equal(nrpsLaunchClaim(PLUTO, tool, reg(false), 7), undefined);
    assert.equal(nrpsLaunchClaim(PLUTO, undefined, reg(true), 7), undefined);
  });
});
