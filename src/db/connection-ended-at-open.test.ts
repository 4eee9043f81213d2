// A PostgreSQL connection that the server ends as it finishes opening: the server's ReadyForQuery and
// its FATAL 57P01 (pg_terminate_backend) arrive in one read. The pool has then handed the client out
// and removed its idle listener before the caller could put one on; the 'error' must still find a
// listener (an unheard 'error' event ends the process), and the statement fails as a lost connection.
// A fake server sends exactly those bytes, so the timing that pg_terminate_backend under load hits
// now and then happens every time.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { openDatabase } from "./database.js";
import { isDatabaseUnavailable } from "./errors.js";

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const authenticationOk = message("R", Buffer.from([0, 0, 0, 0]));
const readyForQuery = message("Z", Buffer.from("I", "latin1"));
const terminated = message(
  "E",
  Buffer.from("SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0", "latin1"),
);

describe("a PostgreSQL connection the server ends as it finishes opening", () => {
  let server: Server;
  let port = 0;
  before(async () => {
    // Answers every start-up message with "ready" and "terminated" in one write.
    server = createServer((socket) => {
      socket.once("data", () => socket.end(Buffer.concat([authenticationOk, readyForQuery, terminated])));
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("fails the statement as a lost connection, reports it, and the process goes on", async () => {
    const lost: Error[] = [];
    const h = openDatabase(`postgres://pluto@127.0.0.1:${port}/pluto`, {
      onConnectionError: (err) => lost.push(err),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const err = await sql`select 1`.execute(h.db).then(
          () => assert.fail("the statement cannot succeed"),
          (e: unknown) => e,
        );
        assert.ok(isDatabaseUnavailable(err), `a 503, not a 500: ${String(err)}`);
      }
      assert.ok(
        lost.some((e) => (e as { code?: string }).code === "57P01"),
        "the terminated connection was reported",
      );
    } finally {
      await h.close();
    }
  });
});
