// The tool's registration request, the platform's response, and what the admin approves (Dynamic
// Registration 1.0 §3.5.2, §3.6; RFC 7591 §3.2; cases 193–196, 199–200).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RegistrationError } from "../errors.js";
import { parseClientRegistration } from "./client-registration.js";
import { buildRegistrationResponse, describeRegistration } from "./registration-response.js";

const TC = "https://purl.imsglobal.org/spec/lti-tool-configuration";
const AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";
const SUPPORTED = [`${AGS}lineitem`, `${AGS}lineitem.readonly`, `${AGS}result.readonly`, `${AGS}score`, NRPS];

/** A registration request shaped like the one ltijs 5.9.9 posts (its DynamicRegistration service). */
function ltijsLike(): Record<string, unknown> {
  return {
    application_type: "web",
    response_types: ["id_token"],
    grant_types: ["implicit", "client_credentials"],
    initiate_login_uri: "https://tool.example/login",
    redirect_uris: ["https://tool.example/", "https://tool.example/launch"],
    client_name: "Example Tool",
    jwks_uri: "https://tool.example/keys",
    logo_uri: "https://tool.example/logo.png",
    token_endpoint_auth_method: "private_key_jwt",
    scope: `${AGS}lineitem ${AGS}score ${NRPS} https://canvas.instructure.com/lti/public_jwk/scope/update`,
    [TC]: {
      domain: "tool.example",
      description: "Quizzes",
      target_link_uri: "https://tool.example/",
      custom_parameters: { course: "$Context.id" },
      claims: ["iss", "sub", "name", "given_name", "family_name", "email"],
      messages: [
        {
          type: "LtiDeepLinkingRequest",
          target_link_uri: "https://tool.example/deeplink",
          label: "Pick quizzes",
          placements: ["ContentArea", "RichTextEditor"],
        },
        { type: "LtiResourceLinkRequest", placements: ["ContentArea"] },
        { type: "LtiSubmissionReviewRequest", placements: ["x-vendor-placement"] },
      ],
    },
  };
}

const parse = (body: unknown, loopback = false) =>
  parseClientRegistration(body, { supportedScopes: SUPPORTED, allowInsecureLoopback: loopback });

/** The body with `change` applied at the top level or in the tool configuration (`tc.` prefix). */
function changed(change: Record<string, unknown>): Record<string, unknown> {
  const body = ltijsLike();
  const tc = body[TC] as Record<string, unknown>;
  for (const [k, v] of Object.entries(change)) {
    const [target, key] = k.startsWith("tc.") ? [tc, k.slice(3)] : [body, k];
    if (v === undefined) delete target[key];
    else target[key] = v;
  }
  return body;
}

describe("a registration request", () => {
  it("is read into its fields, keeping supported scopes and dropping the others", () => {
    const reg = parse(ltijsLike());
    assert.equal(reg.clientName, "Example Tool");
    assert.equal(reg.initiateLoginUri, "https://tool.example/login");
    assert.deepEqual(reg.redirectUris, ["https://tool.example/", "https://tool.example/launch"]);
    assert.deepEqual(reg.scopes, [`${AGS}lineitem`, `${AGS}score`, NRPS]);
    assert.deepEqual(reg.droppedScopes, ["https://canvas.instructure.com/lti/public_jwk/scope/update"]);
    assert.equal(reg.toolConfiguration.domain, "tool.example");
    assert.deepEqual(reg.toolConfiguration.customParameters, { course: "$Context.id" });
    assert.deepEqual(reg.toolConfiguration.messages[0], {
      type: "LtiDeepLinkingRequest",
      targetLinkUri: "https://tool.example/deeplink",
      label: "Pick quizzes",
      placements: ["ContentArea", "RichTextEditor"],
      customParameters: {},
      roles: [],
    });
  });

  it("leaves out a logo that is not https, and says so, instead of refusing the tool", () => {
    const reg = parse(changed({ logo_uri: "http://tool.example/logo.png", tos_uri: 5 }));
    assert.equal(reg.logoUri, undefined);
    assert.deepEqual(reg.ignoredFields, ["logo_uri: not an https URL", "tos_uri: not an https URL"]);
  });

  it("reads the body ltijs 5.9.9 posts, which lists the platform's claims_supported as its claims", () => {
    // Interop: ltijs (src/Provider/Services/DynamicRegistration.js) sends no logo or description when not
    // configured, the domain with its port, the app URL as the last redirect URI, and claims = claims_supported.
    const reg = parseClientRegistration(
      {
        application_type: "web",
        response_types: ["id_token"],
        grant_types: ["implicit", "client_credentials"],
        initiate_login_uri: "http://127.0.0.2:4000/login",
        redirect_uris: ["http://127.0.0.2:4000"],
        client_name: "ltijs tool",
        jwks_uri: "http://127.0.0.2:4000/keys",
        token_endpoint_auth_method: "private_key_jwt",
        scope: `${AGS}lineitem.readonly ${AGS}lineitem ${AGS}score ${AGS}result.readonly ${NRPS}`,
        [TC]: {
          domain: "127.0.0.2:4000",
          target_link_uri: "http://127.0.0.2:4000",
          custom_parameters: {},
          claims: [
            "iss",
            "sub",
            "aud",
            "iat",
            "exp",
            "nonce",
            "name",
            "given_name",
            "family_name",
            "email",
            "picture",
            "locale",
          ],
          messages: [{ type: "LtiResourceLinkRequest" }, { type: "LtiDeepLinkingRequest" }],
        },
      },
      { supportedScopes: SUPPORTED, allowInsecureLoopback: true },
    );
    const s = describeRegistration(reg);
    assert.equal(s.domain, "127.0.0.2:4000");
    assert.deepEqual(s.services, { ags: true, acceptGrades: true, nrps: true });
    assert.deepEqual(s.privacy, { shareName: true, shareEmail: true, sharePicture: true });
    assert.deepEqual(s.deepLinking, { supported: true, url: "http://127.0.0.2:4000" });
    assert.deepEqual(reg.droppedScopes, []);
  });

  it("defaults application_type to web and accepts no scope at all", () => {
    const reg = parse(changed({ application_type: undefined, scope: undefined }));
    assert.equal(reg.applicationType, "web");
    assert.deepEqual(reg.scopes, []);
  });

  it("accepts http loopback URLs only when told to", () => {
    const local = changed({
      initiate_login_uri: "http://127.0.0.2:4000/login",
      redirect_uris: ["http://127.0.0.2:4000/"],
      jwks_uri: "http://localhost:4000/keys",
      "tc.target_link_uri": "http://127.0.0.2:4000/",
    });
    assert.throws(() => parse(local));
    assert.equal(parse(local, true).initiateLoginUri, "http://127.0.0.2:4000/login");
  });

  // Every refusal of case 194, with its RFC 7591 error.
  const refusals: Array<
    [string, Record<string, unknown>, "invalid_client_metadata" | "invalid_redirect_uri", string]
  > = [
    [
      "application_type native",
      { application_type: "native" },
      "invalid_client_metadata",
      "application_type",
    ],
    [
      "application_type as an array (Moodle's reply)",
      { application_type: ["web"] },
      "invalid_client_metadata",
      "application_type",
    ],
    [
      "response_types without id_token",
      { response_types: ["code"] },
      "invalid_client_metadata",
      "response_types",
    ],
    ["no response_types", { response_types: undefined }, "invalid_client_metadata", "response_types"],
    [
      "grant_types without client_credentials",
      { grant_types: ["implicit"] },
      "invalid_client_metadata",
      "grant_types",
    ],
    [
      "grant_types without implicit",
      { grant_types: ["client_credentials"] },
      "invalid_client_metadata",
      "grant_types",
    ],
    [
      "grant_types a string",
      { grant_types: "implicit client_credentials" },
      "invalid_client_metadata",
      "grant_types",
    ],
    [
      "token_endpoint_auth_method client_secret_basic",
      { token_endpoint_auth_method: "client_secret_basic" },
      "invalid_client_metadata",
      "token_endpoint_auth_method",
    ],
    [
      "no token_endpoint_auth_method",
      { token_endpoint_auth_method: undefined },
      "invalid_client_metadata",
      "token_endpoint_auth_method",
    ],
    [
      "no initiate_login_uri",
      { initiate_login_uri: undefined },
      "invalid_client_metadata",
      "initiate_login_uri",
    ],
    [
      "an http initiate_login_uri",
      { initiate_login_uri: "http://tool.example/login" },
      "invalid_client_metadata",
      "initiate_login_uri",
    ],
    ["no client_name", { client_name: undefined }, "invalid_client_metadata", "client_name"],
    ["a blank client_name", { client_name: "  " }, "invalid_client_metadata", "client_name"],
    ["no jwks_uri", { jwks_uri: undefined }, "invalid_client_metadata", "jwks_uri"],
    ["a jwks_uri that is not a URL", { jwks_uri: "keys" }, "invalid_client_metadata", "jwks_uri"],
    ["scope not a string", { scope: ["openid"] }, "invalid_client_metadata", "scope"],
    ["no redirect_uris", { redirect_uris: undefined }, "invalid_redirect_uri", "redirect_uris"],
    ["empty redirect_uris", { redirect_uris: [] }, "invalid_redirect_uri", "redirect_uris"],
    [
      "redirect_uris a string",
      { redirect_uris: "https://tool.example/" },
      "invalid_redirect_uri",
      "redirect_uris",
    ],
    [
      "an http redirect URI",
      { redirect_uris: ["https://tool.example/", "http://tool.example/"] },
      "invalid_redirect_uri",
      "redirect_uris",
    ],
    [
      "a redirect URI with a fragment",
      { redirect_uris: ["https://tool.example/#x"] },
      "invalid_redirect_uri",
      "redirect_uris",
    ],
    [
      "a javascript: redirect URI",
      { redirect_uris: ["javascript:alert(1)"] },
      "invalid_redirect_uri",
      "redirect_uris",
    ],
    ["no tool configuration", { [TC]: undefined }, "invalid_client_metadata", TC],
    ["a tool configuration array", { [TC]: [] }, "invalid_client_metadata", TC],
    ["no domain", { "tc.domain": undefined }, "invalid_client_metadata", `${TC}.domain`],
    [
      "a domain with a scheme",
      { "tc.domain": "https://tool.example" },
      "invalid_client_metadata",
      `${TC}.domain`,
    ],
    [
      "no target_link_uri",
      { "tc.target_link_uri": undefined },
      "invalid_client_metadata",
      `${TC}.target_link_uri`,
    ],
    [
      "a custom parameter that is a number",
      { "tc.custom_parameters": { n: 1 } },
      "invalid_client_metadata",
      `${TC}.custom_parameters.n`,
    ],
    ["claims a string", { "tc.claims": "email" }, "invalid_client_metadata", `${TC}.claims`],
    [
      "messages an object",
      { "tc.messages": { type: "LtiResourceLinkRequest" } },
      "invalid_client_metadata",
      `${TC}.messages`,
    ],
    [
      "a message without type",
      { "tc.messages": [{ label: "x" }] },
      "invalid_client_metadata",
      `${TC}.messages[0].type`,
    ],
    [
      "a message with a relative target",
      { "tc.messages": [{ type: "LtiResourceLinkRequest", target_link_uri: "/x" }] },
      "invalid_client_metadata",
      `${TC}.messages[0].target_link_uri`,
    ],
  ];
  for (const [what, change, error, field] of refusals) {
    it(`refuses ${what} with ${error} naming ${field}`, () => {
      assert.throws(
        () => parse(changed(change)),
        (e) => {
          assert.ok(e instanceof RegistrationError, String(e));
          assert.equal(e.code, error);
          assert.equal(e.field, field);
          assert.equal(e.body.error, error);
          assert.match(e.body.error_description, /\S/);
          return true;
        },
      );
    });
  }

  it("refuses a body that is not an object", () => {
    for (const body of [null, "x", [], 1])
      assert.throws(
        () => parse(body),
        (e) => e instanceof RegistrationError && e.code === "invalid_client_metadata",
      );
  });
});

describe("the registration response", () => {
  it("echoes the registration with client_id, the granted scope and deployment_id as scalars", () => {
    const body = buildRegistrationResponse(parse(ltijsLike()), {
      clientId: "c-1",
      deploymentId: "d-1",
      registrationClientUri: "https://pluto.example/lti/1.3/register/c-1",
    });
    assert.deepEqual(body, {
      client_id: "c-1",
      registration_client_uri: "https://pluto.example/lti/1.3/register/c-1",
      application_type: "web",
      response_types: ["id_token"],
      grant_types: ["implicit", "client_credentials"],
      initiate_login_uri: "https://tool.example/login",
      redirect_uris: ["https://tool.example/", "https://tool.example/launch"],
      client_name: "Example Tool",
      jwks_uri: "https://tool.example/keys",
      logo_uri: "https://tool.example/logo.png",
      token_endpoint_auth_method: "private_key_jwt",
      scope: `${AGS}lineitem ${AGS}score ${NRPS}`,
      [TC]: {
        domain: "tool.example",
        target_link_uri: "https://tool.example/",
        deployment_id: "d-1",
        custom_parameters: { course: "$Context.id" },
        description: "Quizzes",
        claims: ["iss", "sub", "name", "given_name", "family_name", "email"],
        messages: [
          {
            type: "LtiDeepLinkingRequest",
            target_link_uri: "https://tool.example/deeplink",
            label: "Pick quizzes",
            placements: ["ContentArea", "RichTextEditor"],
          },
          { type: "LtiResourceLinkRequest", placements: ["ContentArea"] },
          { type: "LtiSubmissionReviewRequest", placements: ["x-vendor-placement"] },
        ],
      },
    });
  });

  it("reads back through the request parser (a round trip)", () => {
    const reg = parse(ltijsLike());
    const again = parse(buildRegistrationResponse(reg, { clientId: "c", deploymentId: "d" }));
    assert.deepEqual({ ...again, droppedScopes: [] }, { ...reg, droppedScopes: [] });
    assert.deepEqual(again.ignoredFields, []);
  });
});

describe("what a registration asks for", () => {
  it("maps scopes to services, claims to privacy, and finds Deep Linking and placements", () => {
    const s = describeRegistration(parse(ltijsLike()));
    assert.deepEqual(s.services, { ags: true, acceptGrades: true, nrps: true });
    assert.deepEqual(s.privacy, { shareName: true, shareEmail: true, sharePicture: false });
    assert.deepEqual(s.deepLinking, {
      supported: true,
      url: "https://tool.example/deeplink",
      label: "Pick quizzes",
    });
    assert.deepEqual(s.placements, ["ContentArea", "RichTextEditor", "x-vendor-placement"]);
    assert.deepEqual(s.unknownMessageTypes, ["LtiSubmissionReviewRequest"]);
    assert.deepEqual(s.droppedScopes, ["https://canvas.instructure.com/lti/public_jwk/scope/update"]);
    assert.equal(s.name, "Example Tool");
    assert.equal(s.logoUri, "https://tool.example/logo.png");
  });

  it("asks for nothing personal and no service when the tool names none", () => {
    const s = describeRegistration(
      parse(changed({ scope: `${AGS}lineitem.readonly`, "tc.claims": ["iss", "sub"], "tc.messages": [] })),
    );
    assert.deepEqual(s.services, { ags: true, acceptGrades: false, nrps: false });
    assert.deepEqual(s.privacy, { shareName: false, shareEmail: false, sharePicture: false });
    assert.deepEqual(s.deepLinking, { supported: false });
  });

  it("takes the tool's target_link_uri for a Deep Linking message without its own", () => {
    const s = describeRegistration(parse(changed({ "tc.messages": [{ type: "LtiDeepLinkingRequest" }] })));
    assert.deepEqual(s.deepLinking, { supported: true, url: "https://tool.example/" });
  });
});
