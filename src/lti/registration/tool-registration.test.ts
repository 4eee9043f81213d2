// Dynamic Registration, tool side (DR 1.0 §3.3–§3.6; cases 189–197): the initiation's parameters, the check of
// a platform's configuration (written here as Moodle and Canvas publish theirs, not by Pluto's platform code),
// the registration request Pluto sends, and the platform's answer, success and refusal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ToolRegistrationError } from "../errors.js";
import { parseClientRegistration } from "./client-registration.js";
import { buildOpenIdConfiguration } from "./openid-configuration.js";
import {
  checkPlatformConfiguration,
  parseMessagesSupported,
  parseRegistrationInitiation,
} from "./platform-configuration-check.js";
import {
  buildToolRegistrationRequest,
  parseToolRegistrationResponse,
  TOOL_SCOPES,
} from "./tool-registration-request.js";

const TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration";
const PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration";
const AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/";
const NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

/** Moodle 4.x's mod/lti/openid-configuration.php, shortened: messages_supported as plain strings. */
const MOODLE_URL = "https://moodle.school.example/mod/lti/openid-configuration.php";
const moodle = () => ({
  issuer: "https://moodle.school.example",
  token_endpoint: "https://moodle.school.example/mod/lti/token.php",
  token_endpoint_auth_methods_supported: ["private_key_jwt"],
  token_endpoint_auth_signing_alg_values_supported: ["RS256"],
  jwks_uri: "https://moodle.school.example/mod/lti/certs.php",
  authorization_endpoint: "https://moodle.school.example/mod/lti/auth.php",
  registration_endpoint: "https://moodle.school.example/mod/lti/openid-registration.php",
  scopes_supported: [
    `${AGS}lineitem`,
    `${AGS}lineitem.readonly`,
    `${AGS}result.readonly`,
    `${AGS}score`,
    NRPS,
    "openid",
  ],
  response_types_supported: ["id_token"],
  subject_types_supported: ["public", "pairwise"],
  id_token_signing_alg_values_supported: ["RS256"],
  claims_supported: ["sub", "iss", "name", "given_name", "family_name", "email"],
  [PLATFORM_CONFIG]: {
    product_family_code: "moodle",
    version: "4.1",
    messages_supported: ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
    variables: ["basic-lti-launch-request", "ContentItemSelectionRequest"],
  },
});

/** Canvas's shape: messages_supported as objects with placements; an authorization_server; fewer scopes. */
const CANVAS_URL = "https://canvas.instructure.com/api/lti/security/openid-configuration";
const canvas = () => ({
  ...moodle(),
  issuer: "https://canvas.instructure.com",
  authorization_endpoint: "https://sso.canvaslms.com/api/lti/authorize_redirect",
  token_endpoint: "https://sso.canvaslms.com/login/oauth2/token",
  jwks_uri: "https://sso.canvaslms.com/api/lti/security/jwks",
  registration_endpoint: "https://school.instructure.com/api/lti/registrations",
  authorization_server: "https://sso.canvaslms.com/login/oauth2/token",
  scopes_supported: [`${AGS}score`, NRPS],
  [PLATFORM_CONFIG]: {
    product_family_code: "canvas",
    version: "OpenSource",
    messages_supported: [
      { type: "LtiResourceLinkRequest", placements: ["course_navigation"] },
      { type: "LtiDeepLinkingRequest", placements: ["assignment_selection", "link_selection"] },
    ],
  },
});

const TOOL = {
  clientName: "Pluto LMS (lms.pluto.example)",
  initiateLoginUri: "https://lms.pluto.example/lti/tool/login",
  redirectUris: [
    "https://lms.pluto.example/lti/tool/launch",
    "https://lms.pluto.example/lti/tool/deep-linking",
  ],
  jwksUri: "https://lms.pluto.example/lti/jwks",
  targetLinkUri: "https://lms.pluto.example/lti/tool/launch",
  deepLinkingUri: "https://lms.pluto.example/lti/tool/deep-linking",
};

function refusedWith(code: string, field?: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ToolRegistrationError, String(e));
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.details.field, field, e.message);
    return true;
  };
}

describe("the registration initiation (case 189)", () => {
  it("takes openid_configuration and the registration_token when given", () => {
    assert.deepEqual(
      parseRegistrationInitiation({ openid_configuration: MOODLE_URL, registration_token: "t.k.n" }),
      {
        openidConfiguration: MOODLE_URL,
        registrationToken: "t.k.n",
      },
    );
  });

  it("works without a registration_token (D2L sends none)", () => {
    assert.deepEqual(parseRegistrationInitiation({ openid_configuration: MOODLE_URL }), {
      openidConfiguration: MOODLE_URL,
    });
    assert.deepEqual(
      parseRegistrationInitiation({ openid_configuration: MOODLE_URL, registration_token: "" }),
      {
        openidConfiguration: MOODLE_URL,
      },
    );
  });

  for (const [name, query] of [
    ["no openid_configuration", {}],
    ["a blank one", { openid_configuration: " " }],
    ["one given twice", { openid_configuration: [MOODLE_URL, MOODLE_URL] }],
    ["an http one", { openid_configuration: "http://moodle.school.example/conf" }],
    ["a relative one", { openid_configuration: "/mod/lti/openid-configuration.php" }],
  ] as const)
    it(`refuses ${name}`, () => {
      assert.throws(() => parseRegistrationInitiation(query), refusedWith("dr_missing_configuration"));
    });

  it("takes an http loopback configuration only when allowed", () => {
    const q = { openid_configuration: "http://127.0.0.1:8123/conf" };
    assert.throws(() => parseRegistrationInitiation(q), refusedWith("dr_missing_configuration"));
    assert.equal(
      parseRegistrationInitiation(q, { allowInsecureLoopback: true }).openidConfiguration,
      q.openid_configuration,
    );
  });
});

describe("the platform's configuration (cases 190–191)", () => {
  it("takes Moodle's, with messages_supported as strings", () => {
    const c = checkPlatformConfiguration(moodle(), MOODLE_URL);
    assert.deepEqual(c, {
      issuer: "https://moodle.school.example",
      authorizationEndpoint: "https://moodle.school.example/mod/lti/auth.php",
      tokenEndpoint: "https://moodle.school.example/mod/lti/token.php",
      jwksUri: "https://moodle.school.example/mod/lti/certs.php",
      registrationEndpoint: "https://moodle.school.example/mod/lti/openid-registration.php",
      scopesSupported: moodle().scopes_supported,
      claimsSupported: moodle().claims_supported,
      productFamilyCode: "moodle",
      version: "4.1",
      messagesSupported: [{ type: "LtiResourceLinkRequest" }, { type: "LtiDeepLinkingRequest" }],
      variables: ["basic-lti-launch-request", "ContentItemSelectionRequest"],
    });
  });

  it("takes Canvas's, with messages_supported as objects and an authorization server", () => {
    const c = checkPlatformConfiguration(canvas(), CANVAS_URL);
    assert.equal(c.authorizationServer, "https://sso.canvaslms.com/login/oauth2/token");
    assert.deepEqual(c.messagesSupported, [
      { type: "LtiResourceLinkRequest", placements: ["course_navigation"] },
      { type: "LtiDeepLinkingRequest", placements: ["assignment_selection", "link_selection"] },
    ]);
  });

  it("takes the document Pluto's platform side publishes", () => {
    const doc = buildOpenIdConfiguration({
      issuer: "https://pluto.example",
      authorizationEndpoint: "https://pluto.example/lti/1.3/authorize",
      tokenEndpoint: "https://pluto.example/lti/1.3/token",
      jwksUri: "https://pluto.example/lti/jwks",
      registrationEndpoint: "https://pluto.example/lti/1.3/register",
      scopesSupported: [`${AGS}score`],
      productFamilyCode: "pluto",
      version: "0.1.0",
      messagesSupported: [{ type: "LtiResourceLinkRequest" }],
    });
    const c = checkPlatformConfiguration(doc, "https://pluto.example/.well-known/openid-configuration");
    assert.equal(c.productFamilyCode, "pluto");
  });

  it("parses both shapes of messages_supported and refuses anything else", () => {
    assert.deepEqual(parseMessagesSupported(["LtiResourceLinkRequest", { type: "LtiDeepLinkingRequest" }]), [
      { type: "LtiResourceLinkRequest" },
      { type: "LtiDeepLinkingRequest" },
    ]);
    for (const bad of [undefined, "LtiResourceLinkRequest", [1], [{ placements: [] }], [""]])
      assert.throws(
        () => parseMessagesSupported(bad),
        refusedWith("dr_invalid_configuration", "messages_supported"),
      );
  });

  it("checks the issuer against the configuration URL (DR §3.5.1)", () => {
    for (const url of [
      "https://other.example/mod/lti/openid-configuration.php",
      "https://moodle.school.example.evil.example/mod/lti/openid-configuration.php",
      "https://moodle.school.examplex/conf",
    ])
      assert.throws(
        () => checkPlatformConfiguration(moodle(), url),
        refusedWith("dr_issuer_mismatch", "issuer"),
        url,
      );
    // A configuration under the issuer's path, with or without a trailing slash on the issuer.
    assert.ok(
      checkPlatformConfiguration({ ...moodle(), issuer: "https://moodle.school.example/" }, MOODLE_URL),
    );
  });

  const without = (name: string) => {
    const d: Record<string, unknown> = moodle();
    delete d[name];
    return d;
  };
  for (const [name, doc, field] of [
    ["not an object", [], "the document"],
    ["no issuer", without("issuer"), "issuer"],
    ["an http issuer", { ...moodle(), issuer: "http://moodle.school.example" }, "issuer"],
    ["an issuer with a query", { ...moodle(), issuer: "https://moodle.school.example?x=1" }, "issuer"],
    ["no authorization_endpoint", without("authorization_endpoint"), "authorization_endpoint"],
    ["no token_endpoint", without("token_endpoint"), "token_endpoint"],
    ["no jwks_uri", without("jwks_uri"), "jwks_uri"],
    ["no registration_endpoint", without("registration_endpoint"), "registration_endpoint"],
    ["an http jwks_uri", { ...moodle(), jwks_uri: "http://moodle.school.example/certs" }, "jwks_uri"],
    [
      "no RS256",
      { ...moodle(), id_token_signing_alg_values_supported: ["HS256", "none"] },
      "id_token_signing_alg_values_supported",
    ],
    [
      "no id_token_signing_alg_values_supported",
      without("id_token_signing_alg_values_supported"),
      "id_token_signing_alg_values_supported",
    ],
    [
      "no private_key_jwt",
      { ...moodle(), token_endpoint_auth_methods_supported: ["client_secret_basic"] },
      "token_endpoint_auth_methods_supported",
    ],
    ["no LTI platform configuration", without(PLATFORM_CONFIG), PLATFORM_CONFIG],
    [
      "no product_family_code",
      { ...moodle(), [PLATFORM_CONFIG]: { version: "4.1", messages_supported: [] } },
      "product_family_code",
    ],
    ["scopes_supported not a list", { ...moodle(), scopes_supported: "openid" }, "scopes_supported"],
  ] as const)
    it(`refuses a configuration with ${name}`, () => {
      assert.throws(
        () => checkPlatformConfiguration(doc, MOODLE_URL),
        refusedWith("dr_invalid_configuration", field),
      );
    });

  it("takes http loopback endpoints only when allowed", () => {
    const local = {
      ...moodle(),
      issuer: "http://127.0.0.1:9000",
      authorization_endpoint: "http://127.0.0.1:9000/auth",
      token_endpoint: "http://127.0.0.1:9000/token",
      jwks_uri: "http://127.0.0.1:9000/jwks",
      registration_endpoint: "http://127.0.0.1:9000/register",
    };
    const url = "http://127.0.0.1:9000/.well-known/openid-configuration";
    assert.throws(
      () => checkPlatformConfiguration(local, url),
      refusedWith("dr_invalid_configuration", "issuer"),
    );
    assert.equal(
      checkPlatformConfiguration(local, url, { allowInsecureLoopback: true }).issuer,
      local.issuer,
    );
  });
});

describe("the registration request (cases 192–193)", () => {
  it("asks Moodle for every scope Pluto uses and lists both messages", () => {
    const body = buildToolRegistrationRequest(TOOL, checkPlatformConfiguration(moodle(), MOODLE_URL));
    assert.deepEqual(body, {
      application_type: "web",
      response_types: ["id_token"],
      grant_types: ["implicit", "client_credentials"],
      initiate_login_uri: "https://lms.pluto.example/lti/tool/login",
      redirect_uris: [
        "https://lms.pluto.example/lti/tool/launch",
        "https://lms.pluto.example/lti/tool/deep-linking",
      ],
      client_name: "Pluto LMS (lms.pluto.example)",
      jwks_uri: "https://lms.pluto.example/lti/jwks",
      token_endpoint_auth_method: "private_key_jwt",
      scope: `${AGS}lineitem ${AGS}lineitem.readonly ${AGS}result.readonly ${AGS}score ${NRPS}`,
      [TOOL_CONFIG]: {
        domain: "lms.pluto.example",
        target_link_uri: "https://lms.pluto.example/lti/tool/launch",
        claims: [
          "iss",
          "sub",
          "name",
          "given_name",
          "family_name",
          "middle_name",
          "nickname",
          "email",
          "picture",
        ],
        messages: [
          {
            type: "LtiResourceLinkRequest",
            target_link_uri: "https://lms.pluto.example/lti/tool/launch",
            label: "Pluto LMS (lms.pluto.example)",
          },
          {
            type: "LtiDeepLinkingRequest",
            target_link_uri: "https://lms.pluto.example/lti/tool/deep-linking",
            label: "Pluto LMS (lms.pluto.example)",
          },
        ],
      },
    });
    assert.equal(TOOL_SCOPES.length, 5);
  });

  it("asks only for the scopes the platform supports, and leaves Deep Linking out when it has none", () => {
    const c = checkPlatformConfiguration(
      {
        ...canvas(),
        [PLATFORM_CONFIG]: { product_family_code: "canvas", messages_supported: ["LtiResourceLinkRequest"] },
      },
      CANVAS_URL,
    );
    const body = buildToolRegistrationRequest(TOOL, c);
    assert.equal(body.scope, `${AGS}score ${NRPS}`);
    assert.deepEqual(
      body[TOOL_CONFIG].messages.map((m) => m.type),
      ["LtiResourceLinkRequest"],
    );
    const none = buildToolRegistrationRequest(TOOL, { ...c, scopesSupported: [] });
    assert.equal(none.scope, "");
  });

  it("keeps a port in the domain", () => {
    const body = buildToolRegistrationRequest(
      { ...TOOL, targetLinkUri: "http://127.0.0.1:8080/lti/tool/launch" },
      checkPlatformConfiguration(moodle(), MOODLE_URL),
    );
    assert.equal(body[TOOL_CONFIG].domain, "127.0.0.1:8080");
  });

  it("is a request a platform's registration endpoint accepts (Pluto's platform side as a cross-check)", () => {
    const body = buildToolRegistrationRequest(TOOL, checkPlatformConfiguration(moodle(), MOODLE_URL));
    const parsed = parseClientRegistration(body, { supportedScopes: moodle().scopes_supported });
    assert.deepEqual(parsed.scopes, [...TOOL_SCOPES]);
    assert.deepEqual(parsed.droppedScopes, []);
    assert.equal(parsed.toolConfiguration.domain, "lms.pluto.example");
    assert.deepEqual(
      parsed.toolConfiguration.messages.map((m) => [m.type, m.targetLinkUri]),
      [
        ["LtiResourceLinkRequest", TOOL.targetLinkUri],
        ["LtiDeepLinkingRequest", TOOL.deepLinkingUri],
      ],
    );
  });
});

describe("the platform's answer (cases 194, 196–197)", () => {
  it("takes the client_id and the deployment_id from the tool configuration", () => {
    const text = JSON.stringify({
      client_id: "pluto-42",
      scope: `${AGS}score`,
      [TOOL_CONFIG]: { domain: "lms.pluto.example", deployment_id: "7" },
    });
    assert.deepEqual(parseToolRegistrationResponse(201, text), {
      clientId: "pluto-42",
      deploymentId: "7",
      scope: `${AGS}score`,
    });
    assert.deepEqual(parseToolRegistrationResponse(200, JSON.stringify({ client_id: "c" })), {
      clientId: "c",
      scope: "",
    });
  });

  it("takes a numbered deployment_id as its string", () => {
    const text = JSON.stringify({ client_id: "c", [TOOL_CONFIG]: { deployment_id: 12 } });
    assert.equal(parseToolRegistrationResponse(200, text).deploymentId, "12");
  });

  for (const [name, status, text, code, expect] of [
    [
      "an RFC 7591 refusal",
      400,
      '{"error":"invalid_client_metadata","error_description":"jwks_uri is required"}',
      "dr_platform_refused",
      /400 invalid_client_metadata: jwks_uri is required/,
    ],
    [
      "a used registration token",
      401,
      '{"error":"invalid_token","error_description":"token_already_used"}',
      "dr_platform_refused",
      /401 invalid_token: token_already_used/,
    ],
    [
      "Canvas's 422",
      422,
      '{"errors":["redirect_uris is invalid"]}',
      "dr_platform_refused",
      /422: redirect_uris is invalid/,
    ],
    [
      "an HTML error page",
      500,
      "<html><body>Oops</body></html>",
      "dr_platform_refused",
      /500: <html><body>Oops/,
    ],
    ["no JSON", 200, "ok", "dr_invalid_response", /not a JSON object/],
    ["no client_id", 201, '{"client_name":"Pluto"}', "dr_invalid_response", /no client_id/],
    ["an empty client_id", 201, '{"client_id":""}', "dr_invalid_response", /client_id/],
    [
      "an object deployment_id",
      201,
      `{"client_id":"c","${TOOL_CONFIG}":{"deployment_id":{}}}`,
      "dr_invalid_response",
      /deployment_id/,
    ],
  ] as const)
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseToolRegistrationResponse(status, text),
        (e: unknown) => {
          assert.ok(e instanceof ToolRegistrationError);
          assert.equal(e.code, code);
          assert.match(e.message, expect);
          return true;
        },
      );
    });

  it("keeps a long refusal short", () => {
    const e = (() => {
      try {
        parseToolRegistrationResponse(400, "x".repeat(5000));
      } catch (err) {
        return err as ToolRegistrationError;
      }
      return undefined;
    })();
    assert.ok(e && e.message.length < 400);
  });
});
