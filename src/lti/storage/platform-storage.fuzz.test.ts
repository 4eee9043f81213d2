// Property test of the platform storage handler: it never throws, and every answer it gives has the
// request's subject plus ".response" and either a result or an error of a known code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fuzzParams, hostileText } from "../../../test/support/fuzz.js";
import { handleStorageMessage, memoryPlatformStorage } from "./platform-storage.js";

const subject = fc.oneof(
  fc.constantFrom("lti.capabilities", "lti.put_data", "lti.get_data", "org.imsglobal.lti.put_data", "lti.x"),
  hostileText(20),
);
const message = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      subject,
      message_id: fc.oneof(hostileText(8), fc.jsonValue()),
      key: fc.oneof(hostileText(), fc.jsonValue()),
      value: fc.oneof(hostileText(200), fc.jsonValue()),
    },
    { requiredKeys: ["subject"] },
  ),
);

describe("the platform storage handler under arbitrary input", () => {
  it("never throws, and answers a storage subject with its .response and a result or a known error", () => {
    const store = memoryPlatformStorage();
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 20 }),
        fc.constantFrom("https://a.example", "https://b.example:8443"),
        (messages, origin) => {
          for (const m of messages) {
            const r = handleStorageMessage(m, origin, store, { maxBytesPerOrigin: 4096 });
            if (r === undefined) continue;
            assert.equal(r.subject, `${(m as { subject: string }).subject}.response`);
            if (r.error)
              assert.ok(["bad_request", "unsupported_subject", "storage_exhaustion"].includes(r.error.code));
            assert.ok(store.usage(origin) <= 4096);
          }
        },
      ),
      fuzzParams(500),
    );
  });
});
