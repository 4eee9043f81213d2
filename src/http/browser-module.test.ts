// The Platform Storage handler as the browser gets it (/static/platform-storage.js): JavaScript without a
// type left, importable as a module, answering like the server's own copy; and the refusal of a module
// that imports others.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { startTestApp, type TestApp } from "../../test/support/app.js";
import type * as Storage from "../lti/storage/platform-storage.js";
import { browserModuleSource } from "./browser-module.js";

const MODULE = import.meta.resolve("../lti/storage/platform-storage.js");

describe("a src/ module served to the browser", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp("sqlite");
  });
  after(async () => {
    await t?.close();
  });

  it("serves the Platform Storage handler as cached JavaScript that keeps tool origins apart", async () => {
    const res = await t.app.inject({ method: "GET", url: "/static/platform-storage.js" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/javascript; charset=utf-8");
    assert.match(String(res.headers["cache-control"]), /max-age=3600/);
    assert.doesNotMatch(res.body, /\binterface\b|: string\b|sourceMappingURL/);
    const served = (await import(
      `data:text/javascript;base64,${Buffer.from(res.body).toString("base64")}`
    )) as typeof Storage;
    const store = served.memoryPlatformStorage();
    const a = "https://a.example";
    const b = "https://b.example";
    const put = served.handleStorageMessage(
      { subject: "lti.put_data", message_id: "1", key: "lti_state_s", value: "s" },
      a,
      store,
    );
    assert.deepEqual(put, {
      subject: "lti.put_data.response",
      message_id: "1",
      key: "lti_state_s",
      value: "s",
    });
    const get = { subject: "lti.get_data", message_id: "2", key: "lti_state_s" };
    assert.equal(served.handleStorageMessage(get, a, store)?.value, "s");
    assert.deepEqual(served.handleStorageMessage(get, b, store), {
      subject: "lti.get_data.response",
      message_id: "2",
      key: "lti_state_s",
    });
    const legacy = served.handleStorageMessage(
      { subject: "org.imsglobal.lti.capabilities", message_id: "3" },
      a,
      store,
    );
    assert.equal(legacy?.supported_messages?.[0]?.subject, "org.imsglobal.lti.capabilities");
  });

  it("refuses a module that imports another (the browser would resolve it elsewhere)", () => {
    const dir = mkdtempSync(join(tmpdir(), "pluto-module-"));
    const file = join(dir, "m.ts");
    writeFileSync(file, 'import { x } from "./x.js";\nexport const y: number = x;\n');
    assert.throws(() => browserModuleSource(pathToFileURL(file).href), /imports other modules/);
    assert.doesNotThrow(() => browserModuleSource(MODULE));
  });
});
