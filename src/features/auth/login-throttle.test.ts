// Login throttling under parallel guesses: the count is taken before the password is checked, in
// one statement, per account and per address.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Client, startTestApp, type TestApp } from "../../../test/support/app.js";
import { testEngines } from "../../../test/support/db.js";
import { MAX_FAILURES } from "./login-throttle.js";

const PARALLEL = 60;
const PUPILS = 20;

for (const engine of testEngines()) {
  describe(`login throttling under parallel attempts (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
      for (const name of ["dora", "emil", "fay"]) await t.user(name);
      for (let i = 0; i < PUPILS; i++) await t.user(`pupil${i}`);
    });
    after(() => t.close());

    /** A login form posted from `address` (with a CSRF token of a page fetched first). */
    async function attempt(form: Client, address: string, username: string, password: string) {
      const body = new URLSearchParams({ _csrf: form.csrf, username, password });
      const res = await t.app.inject({
        method: "POST",
        url: "/login",
        remoteAddress: address,
        headers: {
          cookie: [...form.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
          "content-type": "application/x-www-form-urlencoded",
        },
        payload: body.toString(),
      });
      return res.statusCode;
    }

    async function loginForm(): Promise<Client> {
      const form = await t.client();
      await form.get("/login");
      return form;
    }

    function tally(statuses: number[]) {
      const counts = new Map<number, number>();
      for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
      return Object.fromEntries(counts);
    }

    it(`lets at most ${MAX_FAILURES} of ${PARALLEL} parallel wrong passwords for one account be checked, from any addresses`, async () => {
      const form = await loginForm();
      const statuses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => attempt(form, `10.1.0.${i + 1}`, "dora", `guess-${i}`)),
      );
      const counts = tally(statuses);
      assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), PARALLEL, JSON.stringify(counts));
      assert.ok((counts[401] ?? 0) <= MAX_FAILURES, `password checks: ${JSON.stringify(counts)}`);
      assert.equal(
        await attempt(form, "10.1.1.1", "dora", "password123"),
        429,
        "the right password waits too",
      );
    });

    it(`lets at most ${MAX_FAILURES} of ${PARALLEL} parallel wrong logins from one address be checked, whatever the accounts`, async () => {
      const form = await loginForm();
      const statuses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          attempt(form, "10.2.0.1", `pupil${i % PUPILS}`, `guess-${i}`),
        ),
      );
      const counts = tally(statuses);
      assert.ok((counts[401] ?? 0) <= MAX_FAILURES, `password checks: ${JSON.stringify(counts)}`);
      assert.equal((counts[429] ?? 0) + (counts[401] ?? 0), PARALLEL, JSON.stringify(counts));
      assert.equal(await attempt(form, "10.2.0.1", "emil", "password123"), 429, "the address waits");
      assert.equal(await attempt(form, "10.2.0.2", "emil", "password123"), 303, "another address does not");
    });

    it("lets the right password in again once the 15 minutes have passed", async () => {
      const form = await loginForm();
      t.clock.advance(15 * 60 + 1);
      assert.equal(await attempt(form, "10.1.1.2", "dora", "password123"), 303);
    });

    it("does not count good logins against a shared address (a school behind one router)", async () => {
      const form = await loginForm();
      for (let i = 0; i < MAX_FAILURES + 5; i++)
        assert.equal(await attempt(form, "10.3.0.1", "fay", "password123"), 303, `login ${i + 1}`);
    });
  });
}
