// Property tests of the registration request check: for any JSON body, and for a valid body with one field
// replaced by arbitrary JSON, parseClientRegistration returns or throws a RegistrationError with an RFC 7591 body.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fuzzParams } from "../../../test/support/fuzz.js";
import { RegistrationError } from "../errors.js";
import { parseClientRegistration } from "./client-registration.js";
import { buildRegistrationResponse } from "./registration-response.js";

const TC = "https://purl.imsglobal.org/spec/lti-tool-configuration";
const valid = () => ({
  application_type: "web",
  response_types: ["id_token"],
  grant_types: ["implicit", "client_credentials"],
  initiate_login_uri: "https://t.example/login",
  redirect_uris: ["https://t.example/"],
  client_name: "T",
  jwks_uri: "https://t.example/keys",
  token_endpoint_auth_method: "private_key_jwt",
  scope: "https://purl.imsglobal.org/spec/lti-ags/scope/score",
  [TC]: {
    domain: "t.example",
    target_link_uri: "https://t.example/",
    claims: ["email"],
    custom_parameters: { a: "b" },
    messages: [{ type: "LtiDeepLinkingRequest", placements: ["ContentArea"], custom_parameters: { c: "d" } }],
  },
});
const top = Object.keys(valid());
const inner = Object.keys(valid()[TC]);

const mutated = fc.oneof(
  fc.tuple(fc.constantFrom(...top), fc.jsonValue()).map(([k, v]) => ({ ...valid(), [k]: v })),
  fc.tuple(fc.constantFrom(...inner), fc.jsonValue()).map(([k, v]) => {
    const b = valid();
    return { ...b, [TC]: { ...b[TC], [k]: v } };
  }),
  fc.jsonValue().map((v) => {
    const b = valid();
    return { ...b, [TC]: { ...b[TC], messages: [v] } };
  }),
);

describe("the registration request check under arbitrary input", () => {
  it("returns or throws a RegistrationError with an RFC 7591 body, for arbitrary JSON and mutated bodies", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (body) => {
        let reg: ReturnType<typeof parseClientRegistration>;
        try {
          reg = parseClientRegistration(body, {
            supportedScopes: ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
          });
        } catch (e) {
          assert.ok(e instanceof RegistrationError, `expected a RegistrationError, got ${String(e)}`);
          assert.ok(["invalid_client_metadata", "invalid_redirect_uri"].includes(e.body.error));
          assert.equal(e.body.error, e.code);
          assert.match(e.body.error_description, /\S/);
          return;
        }
        for (const u of [reg.initiateLoginUri, reg.jwksUri, ...reg.redirectUris])
          assert.equal(new URL(u).protocol, "https:");
        assert.ok(reg.redirectUris.length > 0);
        // What was accepted is answered, and the answer reads back as the same registration.
        const again = parseClientRegistration(
          buildRegistrationResponse(reg, { clientId: "c", deploymentId: "d" }),
          {
            supportedScopes: ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
          },
        );
        assert.deepEqual(again.toolConfiguration, reg.toolConfiguration);
      }),
      fuzzParams(1000),
    );
  });
});
