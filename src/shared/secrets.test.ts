import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomToken } from "./secrets.js";

describe("random tokens", () => {
  it("are base64url strings of the asked number of bytes", () => {
    for (const bytes of [16, 24, 32, 2048]) {
      const t = randomToken(bytes);
      assert.match(t, /^[A-Za-z0-9_-]+$/);
      assert.equal(Buffer.from(t, "base64url").length, bytes);
    }
  });

  it("never repeat, also across refills of the pool they are cut from", () => {
    const seen = new Set<string>();
    // 20,000 × 24 bytes is over a hundred refills of a 4 KiB pool.
    for (let i = 0; i < 20_000; i++) seen.add(randomToken(24));
    assert.equal(seen.size, 20_000);
  });

  it("share no run of bytes with the token before them", () => {
    const a = Buffer.from(randomToken(32), "base64url").toString("hex");
    const b = Buffer.from(randomToken(32), "base64url").toString("hex");
    // Any 8-byte run of b found in a would mean bytes of the pool were handed out twice.
    for (let i = 0; i + 16 <= b.length; i += 2) assert.ok(!a.includes(b.slice(i, i + 16)), "bytes reused");
  });
});
