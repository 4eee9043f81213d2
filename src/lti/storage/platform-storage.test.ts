// The platform's answers to a tool frame's storage postMessages (LTI Platform Storage; cases 203–208).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  handleStorageMessage,
  memoryPlatformStorage,
  type PlatformStorageStore,
  storageCapabilities,
  utf8Length,
} from "./platform-storage.js";

const TOOL = "https://tool.example";
const OTHER = "https://other-tool.example";

function session(store: PlatformStorageStore = memoryPlatformStorage(), origin = TOOL) {
  return (message: unknown, options = {}) => handleStorageMessage(message, origin, store, options);
}

describe("a platform storage message", () => {
  it("lti.capabilities lists put_data and get_data, current names first", () => {
    assert.deepEqual(session()({ subject: "lti.capabilities", message_id: "m1" }), {
      subject: "lti.capabilities.response",
      message_id: "m1",
      supported_messages: [
        { subject: "lti.capabilities" },
        { subject: "lti.put_data" },
        { subject: "lti.get_data" },
        { subject: "org.imsglobal.lti.capabilities" },
        { subject: "org.imsglobal.lti.put_data" },
        { subject: "org.imsglobal.lti.get_data" },
      ],
    });
  });

  it("the older org.imsglobal.lti.capabilities gets the older names first, and a frame name when set", () => {
    const r = session()(
      { subject: "org.imsglobal.lti.capabilities", message_id: "m1" },
      { frame: "pluto-storage" },
    );
    assert.equal(r?.subject, "org.imsglobal.lti.capabilities.response");
    assert.deepEqual(r?.supported_messages?.slice(0, 3), [
      { subject: "org.imsglobal.lti.capabilities" },
      { subject: "org.imsglobal.lti.put_data", frame: "pluto-storage" },
      { subject: "org.imsglobal.lti.get_data", frame: "pluto-storage" },
    ]);
  });

  it("put_data then get_data returns the value, echoing key, value and message_id (state and nonce flow)", () => {
    const send = session();
    assert.deepEqual(
      send({ subject: "lti.put_data", message_id: "p1", key: "lti_state_abc", value: "abc" }),
      {
        subject: "lti.put_data.response",
        message_id: "p1",
        key: "lti_state_abc",
        value: "abc",
      },
    );
    assert.deepEqual(send({ subject: "lti.get_data", message_id: "g1", key: "lti_state_abc" }), {
      subject: "lti.get_data.response",
      message_id: "g1",
      key: "lti_state_abc",
      value: "abc",
    });
    assert.deepEqual(
      send({ subject: "org.imsglobal.lti.get_data", message_id: "g2", key: "lti_state_abc" }),
      {
        subject: "org.imsglobal.lti.get_data.response",
        message_id: "g2",
        key: "lti_state_abc",
        value: "abc",
      },
    );
  });

  it("get_data of an unknown key answers without value; put_data without value clears the key", () => {
    const send = session();
    assert.deepEqual(send({ subject: "lti.get_data", message_id: "g", key: "nope" }), {
      subject: "lti.get_data.response",
      message_id: "g",
      key: "nope",
    });
    send({ subject: "lti.put_data", message_id: "p", key: "k", value: "v" });
    assert.deepEqual(send({ subject: "lti.put_data", message_id: "p2", key: "k" }), {
      subject: "lti.put_data.response",
      message_id: "p2",
      key: "k",
    });
    assert.equal(send({ subject: "lti.get_data", message_id: "g", key: "k" })?.value, undefined);
  });

  it("keeps storage per origin: one tool never reads another's values", () => {
    const store = memoryPlatformStorage();
    session(store, TOOL)({ subject: "lti.put_data", message_id: "p", key: "lti_nonce_n", value: "n" });
    assert.equal(
      session(store, OTHER)({ subject: "lti.get_data", message_id: "g", key: "lti_nonce_n" })?.value,
      undefined,
    );
    assert.equal(
      session(store, TOOL)({ subject: "lti.get_data", message_id: "g", key: "lti_nonce_n" })?.value,
      "n",
    );
  });

  it("answers storage_exhaustion past the per-origin limit, counting a replaced value once", () => {
    const store = memoryPlatformStorage();
    const send = session(store);
    const limit = { maxBytesPerOrigin: 4096 };
    const big = "x".repeat(4096 - 3);
    assert.equal(
      send({ subject: "lti.put_data", message_id: "1", key: "abc", value: big }, limit)?.value,
      big,
    );
    assert.equal(store.usage(TOOL), 4096);
    assert.equal(
      send({ subject: "lti.put_data", message_id: "2", key: "abc", value: big }, limit)?.value,
      big,
    );
    const r = send({ subject: "lti.put_data", message_id: "3", key: "d", value: "y" }, limit);
    assert.equal(r?.error?.code, "storage_exhaustion");
    assert.equal(r?.message_id, "3");
    assert.equal(
      session(store, OTHER)({ subject: "lti.put_data", message_id: "4", key: "d", value: "y" }, limit)?.value,
      "y",
    );
    send({ subject: "lti.put_data", message_id: "5", key: "abc" });
    assert.equal(store.usage(TOOL), 0);
  });

  const errors: Array<[string, Record<string, unknown>, string]> = [
    ["a put without message_id", { subject: "lti.put_data", key: "k", value: "v" }, "bad_request"],
    ["a numeric message_id", { subject: "lti.get_data", message_id: 5, key: "k" }, "bad_request"],
    ["a put without key", { subject: "lti.put_data", message_id: "m", value: "v" }, "bad_request"],
    ["a get with an empty key", { subject: "lti.get_data", message_id: "m", key: "" }, "bad_request"],
    ["a key too long", { subject: "lti.get_data", message_id: "m", key: "k".repeat(2049) }, "bad_request"],
    [
      "a value that is an object",
      { subject: "lti.put_data", message_id: "m", key: "k", value: { a: 1 } },
      "bad_request",
    ],
    ["an unknown lti subject", { subject: "lti.frameResize", message_id: "m" }, "unsupported_subject"],
    [
      "an unknown older subject",
      { subject: "org.imsglobal.lti.remove_data", message_id: "m" },
      "unsupported_subject",
    ],
  ];
  for (const [what, message, code] of errors) {
    it(`answers ${what} with ${code} under the request's subject plus .response`, () => {
      const r = session()(message);
      assert.equal(r?.subject, `${message.subject}.response`);
      assert.equal(r?.error?.code, code);
      assert.match(r?.error?.message ?? "", /\S/);
    });
  }

  it("ignores what is not a storage request", () => {
    const send = session();
    for (const m of [
      null,
      "lti.capabilities",
      [],
      {},
      { subject: 3 },
      { subject: "lti.get_data.response", message_id: "m" },
      { subject: "org.imsglobal.lti.close" },
      { subject: "lti.close", message_id: "m" },
      { subject: "webpackHotUpdate" },
    ])
      assert.equal(send(m), undefined, JSON.stringify(m));
    for (const origin of ["null", "", "file://", "https://tool.example/path", "javascript:x"])
      assert.equal(
        handleStorageMessage(
          { subject: "lti.capabilities", message_id: "m" },
          origin,
          memoryPlatformStorage(),
        ),
        undefined,
        origin,
      );
  });

  it("counts bytes as UTF-8", () => {
    assert.deepEqual(["a", "é", "€", "😀", "\ud800"].map(utf8Length), [1, 2, 3, 4, 3]);
    assert.equal(storageCapabilities().length, 6);
  });
});

describe("the platform storage script", () => {
  it("imports nothing, so the embedding page can bundle or serve it as it is", async () => {
    const { readFile } = await import("node:fs/promises");
    const source = await readFile(new URL("./platform-storage.ts", import.meta.url), "utf8");
    assert.doesNotMatch(source, /^\s*import\s|\brequire\(|\bimport\(/m);
  });

  it("runs as plain JavaScript once its types are erased, as a browser would load it", async () => {
    const { readFile } = await import("node:fs/promises");
    const { stripTypeScriptTypes } = await import("node:module");
    const source = await readFile(new URL("./platform-storage.ts", import.meta.url), "utf8");
    const js = stripTypeScriptTypes(source);
    const mod = (await import(
      `data:text/javascript,${encodeURIComponent(js)}`
    )) as typeof import("./platform-storage.js");
    const store = mod.memoryPlatformStorage();
    mod.handleStorageMessage({ subject: "lti.put_data", message_id: "1", key: "k", value: "v" }, TOOL, store);
    assert.deepEqual(
      mod.handleStorageMessage({ subject: "lti.get_data", message_id: "2", key: "k" }, TOOL, store),
      {
        subject: "lti.get_data.response",
        message_id: "2",
        key: "k",
        value: "v",
      },
    );
  });
});
