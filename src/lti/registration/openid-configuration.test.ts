// The platform's openid-configuration document (Dynamic Registration 1.0 §3.4; cases 190–191).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLtiError } from "../errors.js";
import {
  buildOpenIdConfiguration,
  isConfigurationUrlOfIssuer,
  type PlatformConfigurationInput,
} from "./openid-configuration.js";

const input: PlatformConfigurationInput = {
  issuer: "https://pluto.example",
  authorizationEndpoint: "https://pluto.example/lti/1.3/authorize",
  tokenEndpoint: "https://pluto.example/lti/1.3/token",
  jwksUri: "https://pluto.example/lti/1.3/jwks",
  registrationEndpoint: "https://pluto.example/lti/1.3/register",
  scopesSupported: [
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "openid",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
  ],
  productFamilyCode: "pluto",
  version: "0.1.0",
  messagesSupported: [
    { type: "LtiResourceLinkRequest" },
    { type: "LtiDeepLinkingRequest", placements: ["ContentArea"] },
  ],
  variables: ["ResourceLink.id", "Context.id.history"],
};

describe("the platform's openid-configuration", () => {
  it("publishes what a tool checks, with LTI's fixed values", () => {
    assert.deepEqual(buildOpenIdConfiguration(input), {
      issuer: "https://pluto.example",
      authorization_endpoint: "https://pluto.example/lti/1.3/authorize",
      token_endpoint: "https://pluto.example/lti/1.3/token",
      token_endpoint_auth_methods_supported: ["private_key_jwt"],
      token_endpoint_auth_signing_alg_values_supported: ["RS256"],
      jwks_uri: "https://pluto.example/lti/1.3/jwks",
      registration_endpoint: "https://pluto.example/lti/1.3/register",
      scopes_supported: [
        "openid",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
      ],
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      claims_supported: [
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
      "https://purl.imsglobal.org/spec/lti-platform-configuration": {
        product_family_code: "pluto",
        version: "0.1.0",
        messages_supported: [
          { type: "LtiResourceLinkRequest" },
          { type: "LtiDeepLinkingRequest", placements: ["ContentArea"] },
        ],
        variables: ["ResourceLink.id", "Context.id.history"],
      },
    });
  });

  it("adds authorization_server when given", () => {
    const doc = buildOpenIdConfiguration({
      ...input,
      authorizationServer: "https://pluto.example/lti/1.3/token",
    });
    assert.equal(doc.authorization_server, "https://pluto.example/lti/1.3/token");
  });

  const refused: Array<[string, Partial<PlatformConfigurationInput>, string]> = [
    ["an http issuer", { issuer: "http://pluto.example" }, "invalid_parameter"],
    ["an issuer with a query", { issuer: "https://pluto.example/?x=1" }, "invalid_parameter"],
    ["an issuer with a fragment", { issuer: "https://pluto.example/#x" }, "invalid_parameter"],
    ["a relative token endpoint", { tokenEndpoint: "/token" }, "invalid_parameter"],
    ["an empty product family code", { productFamilyCode: "" }, "missing_parameter"],
  ];
  for (const [what, change, code] of refused) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(
        () => buildOpenIdConfiguration({ ...input, ...change }),
        (e) => isLtiError(e) && e.code === code,
      );
    });
  }

  it("accepts http on loopback only when told to (tests)", () => {
    const local = { ...input, issuer: "http://127.0.0.1:3000", jwksUri: "http://127.0.0.1:3000/jwks" };
    assert.throws(() => buildOpenIdConfiguration(local));
    assert.equal(
      buildOpenIdConfiguration({ ...local, allowInsecureLoopback: true }).issuer,
      "http://127.0.0.1:3000",
    );
    assert.throws(() =>
      buildOpenIdConfiguration({ ...local, issuer: "http://pluto.example", allowInsecureLoopback: true }),
    );
  });

  it("tells whether a configuration URL is under the issuer (DR §3.5.1)", () => {
    const cases: Array<[string, string, boolean]> = [
      ["https://pluto.example", "https://pluto.example/lti/1.3/openid-configuration", true],
      ["https://pluto.example/", "https://pluto.example/lti/1.3/openid-configuration", true],
      ["https://pluto.example", "https://pluto.example.evil/openid-configuration", false],
      ["https://pluto.example/school", "https://pluto.example/schoolx/openid", false],
      ["https://pluto.example", "https://other.example/openid", false],
    ];
    for (const [iss, url, ok] of cases)
      assert.equal(isConfigurationUrlOfIssuer(iss, url), ok, `${iss} ${url}`);
  });
});
