// Where a login sends the user on to (`next`): only a path of this site, whatever a link carries.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";

const SITE = "http://pluto.test";

/** `next` as an attacker writes it into a link's query string (percent-encoded where needed). */
const OFF_SITE = [
  "//evil.example",
  "//evil.example/x",
  "/%5Cevil.example",
  "%5C%5Cevil.example",
  "/%09/evil.example",
  "/%09%5Cevil.example",
  "/%0A/evil.example",
  "/%0D%0A/evil.example",
  "/%00//evil.example",
  "%2F%2Fevil.example",
  "/%2F%2Fevil.example",
  "/.//evil.example",
  "/%2E%2E//evil.example",
  "https://evil.example",
  "https:evil.example",
  "http:/evil.example",
  "javascript:alert(1)",
  "%20//evil.example",
  "evil.example",
  "/%E3%80%80/evil.example",
];

/** Where a browser goes with this Location header on this site. */
function followed(location: string | undefined): URL {
  assert.ok(location, "a redirect");
  return new URL(location, SITE);
}

for (const engine of testEngines()) {
  describe(`the page after login (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      await t.user("alice");
    });
    after(() => t.close());

    for (const raw of OFF_SITE) {
      it(`stays on the site for next=${raw}`, async () => {
        const decoded = decodeURIComponent(raw);
        const c = await t.client();
        await c.get("/login");
        const posted = await c.post("/login", { username: "alice", password: "password123", next: decoded });
        const loggedIn = await c.get(`/login?next=${raw}`);
        for (const res of [posted, loggedIn]) {
          // A NUL is refused before the login is tried at all (a 400 naming the field, no redirect).
          if (decoded.includes("\u0000")) {
            assert.equal(res.statusCode, 400);
            assert.equal(res.headers.location, undefined);
            continue;
          }
          assert.equal(res.statusCode, res === posted ? 303 : 302);
          const location = String(res.headers.location);
          const url = followed(location);
          assert.equal(url.origin, SITE, `${raw} → ${location}`);
          assert.match(location, /^\/(?![/\\])/, `${raw} → ${location}`);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: a browser drops these before parsing
          assert.doesNotMatch(location, /[\u0000-\u001f\u007f\\]/, `${raw} → ${location}`);
        }
      });
    }

    for (const path of ["/course/3?x=1#y", "/my", "/course/12/grades?user=4", "/%7Ealice"]) {
      it(`keeps the site path ${path}`, async () => {
        const c = await t.client();
        await c.get("/login");
        const posted = await c.post("/login", { username: "alice", password: "password123", next: path });
        assert.equal(posted.headers.location, path);
        const loggedIn = await c.get(`/login?next=${encodeURIComponent(path)}`);
        assert.equal(loggedIn.headers.location, path);
      });
    }
  });
}
