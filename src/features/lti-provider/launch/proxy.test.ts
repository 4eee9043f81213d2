import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { makeCourse } from "../../../../test/support/factories.js";
import { baseLaunch, signLaunch } from "../../../../test/support/lti11-consumer.js";

for (const engine of testEngines()) {
  describe(`launches behind a TLS-terminating proxy (${engine})`, () => {
    let t: TestApp;
    let pub: { launchUrl: string; secret: string };
    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: "https://lms.example.edu", trustProxy: true } });
      const token = await t.token((await t.admin()).id);
      const course = await makeCourse(t);
      const res = await api(t.app, token, "POST", `/api/v1/courses/${course.id}/enrol-methods`, {
        method: "lti",
        ltiVersion: "1.1",
      });
      pub = res.json as typeof pub;
    });
    after(() => t.close());

    it("publishes https URLs under PLUTO_URL and verifies signatures against the public URL, not the proxied one", async () => {
      assert.match(pub.launchUrl, /^https:\/\/lms\.example\.edu\/enrol\/lti\/launch\//);
      const form = signLaunch(pub.launchUrl, "consumer", pub.secret, baseLaunch(), {
        timestamp: Math.floor(t.clock.now().getTime() / 1000),
      });
      // The proxy forwards to Pluto over plain http on an internal address.
      const res = await t.app.inject({
        method: "POST",
        url: new URL(pub.launchUrl).pathname,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-forwarded-proto": "https",
          "x-forwarded-host": "lms.example.edu",
        },
        payload: new URLSearchParams(form).toString(),
      });
      assert.equal(res.statusCode, 303, res.body);
      const raw = ([] as string[]).concat(res.headers["set-cookie"] ?? []).join("\n");
      assert.match(raw, /Secure/);
    });

    it("rejects a launch signed for the internal address", async () => {
      const internal = `http://10.0.0.5:3000${new URL(pub.launchUrl).pathname}`;
      const form = signLaunch(internal, "consumer", pub.secret, baseLaunch(), {
        timestamp: Math.floor(t.clock.now().getTime() / 1000),
      });
      const res = await t.app.inject({
        method: "POST",
        url: new URL(internal).pathname,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(form).toString(),
      });
      assert.equal(res.statusCode, 401);
      assert.match(res.body, /bad_signature/);
    });
  });
}
