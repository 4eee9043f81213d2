// LTI 1.3 site tools registered by hand: through Site admin → Integrations → External Sources / LTI and
// through /api/v1/lti/tool-types, with the ids Pluto issues, the Tool configuration details, and the
// bad-input tables.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair } from "jose";
import { api, type Client, startTestApp, type TestApp } from "../../../../test/support/app.js";
import { testEngines } from "../../../../test/support/db.js";
import { errorCodeOf } from "../../../../test/support/errors.js";

const BASE = "/api/v1/lti/tool-types";
const PUBLIC_URL = "https://pluto.example.edu";

interface Lti13Json {
  id: number;
  ltiVersion: string;
  name: string;
  launchUrl: string;
  consumerKey: string;
  clientId: string;
  deploymentId: string;
  status: string;
  redirectUris: string[];
  publicKeyType: string;
  publicKeysetUrl: string;
  publicKey: string;
  platform: {
    issuer: string;
    authenticationRequestUrl: string;
    accessTokenUrl: string;
    publicKeysetUrl: string;
    openidConfigurationUrl: string;
  };
}

const valid = {
  ltiVersion: "1.3",
  name: "Video Meetings",
  toolUrl: "https://tool.example.com/lti/launch",
  initiateLoginUrl: "https://tool.example.com/lti/login",
  // A trailing slash and upper case are kept: matched byte for byte.
  redirectUris: ["https://tool.example.com/lti/launch", "https://Tool.example.com/lti/Launch/"],
  publicKeysetUrl: "https://tool.example.com/.well-known/jwks.json",
};

for (const engine of testEngines()) {
  describe(`LTI 1.3 site tools registered by hand (${engine})`, () => {
    let t: TestApp;
    let adminToken: string;
    let admin: Client;
    let pem: string;
    let jwk: string;
    let privatePem: string;

    before(async () => {
      t = await startTestApp(engine, { config: { publicUrl: PUBLIC_URL } });
      const a = await t.admin();
      adminToken = await t.token(a.id);
      admin = await t.client("admin");
      const pair = await generateKeyPair("RS256", { extractable: true });
      pem = await exportSPKI(pair.publicKey);
      jwk = JSON.stringify({ ...(await exportJWK(pair.publicKey)), kid: "tool-1" });
      privatePem = await exportPKCS8(pair.privateKey);
    });
    after(async () => {
      await t.close();
    });

    it("registers a tool through the API: Client ID and Deployment ID issued, platform details answered", async () => {
      const res = await api(t.app, adminToken, "POST", BASE, valid);
      assert.equal(res.status, 201, res.body);
      const c = res.json as Lti13Json;
      assert.equal(c.ltiVersion, "1.3");
      assert.match(c.clientId, /^[A-Za-z0-9_-]{16,}$/);
      assert.equal(c.deploymentId, "1");
      assert.equal(c.status, "active");
      assert.equal(c.launchUrl, valid.toolUrl);
      assert.equal(c.consumerKey, "");
      assert.deepEqual(c.redirectUris, valid.redirectUris);
      assert.equal(c.publicKeyType, "keyset");
      assert.deepEqual(c.platform, {
        issuer: PUBLIC_URL,
        authenticationRequestUrl: `${PUBLIC_URL}/lti/auth`,
        accessTokenUrl: `${PUBLIC_URL}/lti/token`,
        publicKeysetUrl: `${PUBLIC_URL}/lti/jwks`,
        openidConfigurationUrl: `${PUBLIC_URL}/lti/openid-configuration`,
      });
      const got = await api(t.app, adminToken, "GET", `${BASE}/${c.id}`);
      assert.deepEqual(got.json, c);
      const list = (await api(t.app, adminToken, "GET", BASE)).json as Lti13Json[];
      assert.equal(list.find((x) => x.id === c.id)?.clientId, c.clientId);

      const other = (await api(t.app, adminToken, "POST", BASE, { ...valid, name: "Other" }))
        .json as Lti13Json;
      assert.notEqual(other.clientId, c.clientId);

      const patched = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, { status: "pending" });
      assert.equal(patched.status, 200, patched.body);
      assert.equal((patched.json as Lti13Json).status, "pending");
      assert.equal((patched.json as Lti13Json).clientId, c.clientId);
      const back = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, { status: "active" });
      assert.equal((back.json as Lti13Json).status, "active");
      assert.deepEqual((back.json as Lti13Json).redirectUris, valid.redirectUris);

      const switched = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, { ltiVersion: "1.1" });
      assert.equal(switched.status, 400);
      assert.match(switched.body, /ltiVersion/);
    });

    it("stores Deep Linking support and the Content selection URL (API and edit form)", async () => {
      const res = await api(t.app, adminToken, "POST", BASE, { ...valid, name: "Picker" });
      const c = res.json as Lti13Json & { deepLinking: boolean; deepLinkingUrl: string };
      assert.equal(c.deepLinking, false);
      assert.equal(c.deepLinkingUrl, "");
      const url = "https://tool.example.com/lti/select";
      const on = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, {
        deepLinking: true,
        deepLinkingUrl: url,
      });
      assert.equal(on.status, 200, on.body);
      const got = (await api(t.app, adminToken, "GET", `${BASE}/${c.id}`)).json as typeof c;
      assert.equal(got.deepLinking, true);
      assert.equal(got.deepLinkingUrl, url);
      assert.equal(got.clientId, c.clientId);
      const edit = await admin.get(`/admin/lti/tools/${c.id}/edit`);
      assert.match(edit.body, /Supports Deep Linking/);
      assert.match(edit.body, /name="deepLinking"[^>]*checked/);
      assert.match(edit.body, new RegExp(`name="deepLinkingUrl"[^>]*value="${url}"`));
      // The OpenAPI document names both fields in the request body.
      const doc = JSON.stringify((await api(t.app, undefined, "GET", "/api/v1/openapi.json")).json);
      assert.match(doc, /"deepLinking":\{/);
      assert.match(doc, /"deepLinkingUrl":\{/);
    });

    it("keeps the service switches (AGS, NRPS) through the API and the edit form", async () => {
      type WithServices = Lti13Json & { services: { ags: boolean; nrps: boolean } };
      const res = await api(t.app, adminToken, "POST", BASE, { ...valid, name: "Services" });
      const c = res.json as WithServices;
      // Both on unless turned off (a tool registered by hand could always have both).
      assert.deepEqual(c.services, { ags: true, nrps: true });
      const made = await api(t.app, adminToken, "POST", BASE, {
        ...valid,
        name: "Members only",
        services: { ags: false, nrps: true },
      });
      assert.equal(made.status, 201, made.body);
      assert.deepEqual((made.json as WithServices).services, { ags: false, nrps: true });
      const off = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, { services: { nrps: false } });
      assert.equal(off.status, 200, off.body);
      assert.deepEqual((off.json as WithServices).services, { ags: true, nrps: false });
      const got = (await api(t.app, adminToken, "GET", `${BASE}/${c.id}`)).json as WithServices;
      assert.deepEqual(got.services, { ags: true, nrps: false });
      for (const bad of [{ ags: "yes" }, "all", { ags: true, lineitems: true }]) {
        const refused = await api(t.app, adminToken, "PATCH", `${BASE}/${c.id}`, { services: bad });
        assert.equal(refused.status, 400, JSON.stringify(bad));
        assert.match(refused.body, /services/);
      }

      const edit = await admin.get(`/admin/lti/tools/${c.id}/edit`);
      assert.match(edit.body, /<legend>Services<\/legend>/);
      assert.match(edit.body, /IMS LTI Assignment and Grade Services/);
      assert.match(edit.body, /IMS LTI Names and Role Provisioning/);
      assert.match(edit.body, /name="serviceAgs"[^>]*checked/);
      assert.doesNotMatch(edit.body, /name="serviceNrps"[^>]*checked/);
      // The form turns AGS off and NRPS on (an unticked box is off).
      const form = {
        ltiVersion: "1.3",
        name: "Services",
        toolUrl: valid.toolUrl,
        initiateLoginUrl: valid.initiateLoginUrl,
        redirectUris: valid.redirectUris.join("\n"),
        publicKeyType: "keyset",
        publicKeysetUrl: valid.publicKeysetUrl,
        launchContainer: "embed",
        acceptGrades: "1",
        serviceNrps: "1",
      };
      const saved = await admin.post(`/admin/lti/tools/${c.id}/edit`, form);
      assert.equal(saved.statusCode, 303, saved.body);
      const after = (await api(t.app, adminToken, "GET", `${BASE}/${c.id}`)).json as WithServices;
      assert.deepEqual(after.services, { ags: false, nrps: true });
      assert.equal(after.clientId, c.clientId);
      const again = await admin.get(`/admin/lti/tools/${c.id}/edit`);
      assert.doesNotMatch(again.body, /name="serviceAgs"[^>]*checked/);
      assert.match(again.body, /name="serviceNrps"[^>]*checked/);
      // The new-tool form offers both, ticked.
      const fresh = await admin.get("/admin/lti/tools/new");
      assert.match(fresh.body, /name="serviceAgs"[^>]*checked/);
      assert.match(fresh.body, /name="serviceNrps"[^>]*checked/);
    });

    it("takes a pasted public key as PEM or JWK", async () => {
      for (const publicKey of [pem, jwk]) {
        const { publicKeysetUrl: _, ...rest } = valid;
        const res = await api(t.app, adminToken, "POST", BASE, { ...rest, publicKey });
        assert.equal(res.status, 201, res.body);
        const c = res.json as Lti13Json;
        assert.equal(c.publicKeyType, "key");
        assert.equal(c.publicKey, publicKey.trim());
      }
    });

    const { publicKeysetUrl: _url, ...noKey } = valid;
    const bad: Array<{ why: string; body: () => Record<string, unknown>; field: string; says: RegExp }> = [
      {
        why: "no Initiate login URL",
        body: () => ({ ...valid, initiateLoginUrl: "" }),
        field: "initiateLoginUrl",
        says: /Initiate login URL is required/,
      },
      {
        why: "no redirection URI",
        body: () => ({ ...valid, redirectUris: [] }),
        field: "redirectUris",
        says: /Redirection URI/,
      },
      {
        why: "a redirection URI that is not a URL",
        body: () => ({ ...valid, redirectUris: ["tool.example.com/x"] }),
        field: "redirectUris",
        says: /not an http or https URL/,
      },
      {
        why: "no tool name",
        body: () => ({ ...valid, name: "" }),
        field: "name",
        says: /Tool name is required/,
      },
      {
        why: "no public key at all",
        body: () => noKey,
        field: "publicKeysetUrl",
        says: /Public keyset URL is required/,
      },
      {
        why: "key type RSA key without a key",
        body: () => ({ ...noKey, publicKeyType: "key" }),
        field: "publicKey",
        says: /Public key is required/,
      },
      {
        why: "a broken PEM",
        // Cut short: the DER inside is truncated.
        body: () => ({ ...noKey, publicKey: `${pem.slice(0, 120)}\n-----END PUBLIC KEY-----` }),
        field: "publicKey",
        says: /PEM could not be read/,
      },
      {
        why: "a private key",
        body: () => ({ ...noKey, publicKey: privatePem }),
        field: "publicKey",
        says: /private key/,
      },
      {
        why: "a JWK that is not JSON",
        body: () => ({ ...noKey, publicKey: "{kty: RSA" }),
        field: "publicKey",
        says: /not valid JSON/,
      },
      {
        why: "an EC JWK",
        body: () => ({ ...noKey, publicKey: '{"kty":"EC","crv":"P-256","x":"a","y":"b"}' }),
        field: "publicKey",
        says: /not an RSA key/,
      },
      {
        why: "an unknown LTI version",
        body: () => ({ ...valid, ltiVersion: "2.0" }),
        field: "ltiVersion",
        says: /LTI version must be 1.1 or 1.3/,
      },
      {
        why: "Deep Linking without a Content selection URL",
        body: () => ({ ...valid, deepLinking: true }),
        field: "deepLinkingUrl",
        says: /Content selection URL is required/,
      },
      {
        why: "a Content selection URL that is not a URL",
        body: () => ({ ...valid, deepLinking: true, deepLinkingUrl: "tool.example.com/select" }),
        field: "deepLinkingUrl",
        says: /Content selection URL must be an http or https URL/,
      },
    ];
    for (const c of bad) {
      it(`refuses ${c.why} (400 naming ${c.field}, nothing stored)`, async () => {
        const before = ((await api(t.app, adminToken, "GET", BASE)).json as unknown[]).length;
        const res = await api(t.app, adminToken, "POST", BASE, c.body());
        assert.equal(res.status, 400, res.body);
        assert.equal(errorCodeOf(res), "validation");
        assert.match(res.body, new RegExp(`"field":"${c.field}"`));
        assert.match(res.body, c.says);
        assert.equal(((await api(t.app, adminToken, "GET", BASE)).json as unknown[]).length, before);
      });
    }

    it("registers a tool through the form (no JS) and shows the Tool configuration details", async () => {
      const page = await admin.get("/admin/lti/tools/new");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<fieldset data-lti-version="1.1"><legend>LTI 1\.1<\/legend>/);
      assert.match(page.body, /<fieldset data-lti-version="1.3"><legend>LTI 1\.3<\/legend>/);
      assert.match(page.body, /<option value="1\.3"[^>]*>LTI 1\.3<\/option>/);
      const form = {
        ltiVersion: "1.3",
        name: "Form Tool",
        toolUrl: "https://form.example.com/launch",
        initiateLoginUrl: "https://form.example.com/login",
        redirectUris: "https://form.example.com/launch\r\nhttps://form.example.com/launch?x=1\r\n",
        publicKeyType: "key",
        publicKeysetUrl: "",
        publicKey: pem,
        customParameters: "topic=$CourseSection.title",
        launchContainer: "window",
        shareName: "1",
        showInPicker: "1",
        consumerKey: "",
        sharedSecret: "",
      };
      const res = await admin.post("/admin/lti/tools/new", form);
      assert.equal(res.statusCode, 303, res.body);
      const details = await admin.get(String(res.headers.location));
      assert.equal(details.statusCode, 200);
      assert.match(details.body, /Tool configuration details/);
      const value = (id: string) =>
        new RegExp(`id="${id}" type="text" readOnly="" value="([^"]*)"|id="${id}"[^>]*value="([^"]*)"`).exec(
          details.body,
        );
      const clientId = value("client-id");
      assert.ok(clientId, details.body);
      assert.match(details.body, new RegExp(`id="platform-id"[^>]*value="${PUBLIC_URL}"`));
      assert.match(details.body, new RegExp(`id="public-keyset-url"[^>]*value="${PUBLIC_URL}/lti/jwks"`));
      assert.match(
        details.body,
        new RegExp(`id="authentication-request-url"[^>]*value="${PUBLIC_URL}/lti/auth"`),
      );
      assert.match(details.body, /id="deployment-id"[^>]*value="1"/);
      assert.match(details.body, /data-copy="#client-id"/);
      // The Access token URL (AGS/NRPS) and the OpenID configuration, each with its label and Copy button.
      assert.match(details.body, /<label[^>]*for="access-token-url"[^>]*>Access token URL</);
      assert.match(details.body, new RegExp(`id="access-token-url"[^>]*value="${PUBLIC_URL}/lti/token"`));
      assert.match(details.body, /data-copy="#access-token-url"/);
      assert.match(
        details.body,
        new RegExp(`id="openid-configuration-url"[^>]*value="${PUBLIC_URL}/lti/openid-configuration"`),
      );

      const list = (await api(t.app, adminToken, "GET", BASE)).json as Lti13Json[];
      const stored = list.find((x) => x.name === "Form Tool");
      assert.ok(stored);
      assert.deepEqual(stored.redirectUris, [
        "https://form.example.com/launch",
        "https://form.example.com/launch?x=1",
      ]);
      assert.equal(stored.publicKeyType, "key");
      assert.match(details.body, new RegExp(`value="${stored.clientId}"`));

      // The edit form keeps the version and the fields; a bad key is refused on the form with its message.
      const edit = await admin.get(`/admin/lti/tools/${stored.id}/edit`);
      assert.match(edit.body, /LTI version: LTI 1\.3/);
      assert.doesNotMatch(edit.body, /<legend>LTI 1\.1<\/legend>/);
      const refused = await admin.post(`/admin/lti/tools/${stored.id}/edit`, {
        ...form,
        publicKey: "not a key",
      });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /Public key is not usable/);
    });

    it("refuses an LTI 1.3 form without its fields, and leaves LTI 1.1 tools as they were", async () => {
      const res = await admin.post("/admin/lti/tools/new", {
        ltiVersion: "1.3",
        name: "Half",
        toolUrl: "https://half.example.com/launch",
        initiateLoginUrl: "",
        redirectUris: "",
        publicKeyType: "keyset",
        publicKeysetUrl: "",
        publicKey: "",
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /Initiate login URL is required/);

      // LTI 1.1: the 1.3 fields sent by the same form are ignored; no Client ID.
      const ok = await admin.post("/admin/lti/tools/new", {
        ltiVersion: "1.1",
        name: "Old Tool",
        toolUrl: "http://127.0.0.1:9/launch",
        consumerKey: "k",
        sharedSecret: "s",
        initiateLoginUrl: "",
        redirectUris: "",
        publicKeyType: "keyset",
        publicKeysetUrl: "",
        publicKey: "",
        launchContainer: "embed",
      });
      assert.equal(ok.statusCode, 303, ok.body);
      assert.equal(ok.headers.location, "/admin/lti/tools");
      const old = ((await api(t.app, adminToken, "GET", BASE)).json as Array<Record<string, unknown>>).find(
        (x) => x.name === "Old Tool",
      );
      assert.equal(old?.ltiVersion, "1.1");
      assert.equal(old?.consumerKey, "k");
      assert.equal("clientId" in (old ?? {}), false);
    });
  });
}
