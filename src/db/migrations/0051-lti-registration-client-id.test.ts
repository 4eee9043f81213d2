// Migration 0051: the registration an LTI 1.3 authentication or token request names by client_id is found
// through the index on lti_registrations.client_id, not by scanning registrations or deployments, on
// SQLite and PostgreSQL; and it is still the right tool's among several.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { createTestDatabase, type TestDatabase, testEngines } from "../../../test/support/db.js";
import {
  createLti13Tool,
  findRegistrationByClientId,
  findRegistrationOf,
  lti13Schema,
} from "../../features/lti-consumer/tools/tool-registrations.service.js";
import { systemClock } from "../../shared/clock.js";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "../database.js";

// The shape of the repository's registration query (deployments.repository.ts, registrationQuery).
const byClientId = (clientId: string) => sql`
  select r.id, r.client_id, d.deployment_id from lti_registrations as r
  inner join lti_deployments as d on d.registration_id = r.id
  where r.side = 'consumer' and r.client_id = ${clientId}`;

for (const engine of testEngines()) {
  describe(`migration 0051: registrations found by client_id through an index (${engine})`, () => {
    let tdb: TestDatabase;
    let h: DatabaseHandle;
    const toolTypeIds: number[] = [];

    before(async () => {
      tdb = await createTestDatabase(engine);
      h = openDatabase(tdb.url, { pgSchema: tdb.pgSchema, poolSize: 1 });
      await migrateToLatest(h.db);
      for (let i = 0; i < 30; i++) {
        const tool = await createLti13Tool(
          h.db,
          systemClock,
          lti13Schema.parse({
            ltiVersion: "1.3",
            name: `Tool ${i}`,
            toolUrl: `https://tool${i}.example/launch`,
            initiateLoginUrl: `https://tool${i}.example/login`,
            redirectUris: [`https://tool${i}.example/launch`],
            publicKeysetUrl: `https://tool${i}.example/jwks`,
          }),
          "https://pluto.example",
        );
        toolTypeIds.push(tool.id);
      }
    });
    after(async () => {
      await h.close();
      await tdb.drop();
    });

    it("finds each tool's registration by its client_id, and none for an unknown one", async () => {
      for (const id of [toolTypeIds[0]!, toolTypeIds[17]!, toolTypeIds[29]!]) {
        const reg = await findRegistrationOf(h.db, id);
        assert.ok(reg);
        const found = await findRegistrationByClientId(h.db, reg.clientId);
        assert.equal(found?.toolTypeId, id);
        assert.equal(found?.deploymentId, "1");
      }
      assert.equal(await findRegistrationByClientId(h.db, "no-such-client"), undefined);
    });

    it("plans the lookup through lti_registrations_client_id", async () => {
      const clientId = (await findRegistrationOf(h.db, toolTypeIds[5]!))!.clientId;
      if (engine === "sqlite") {
        const { rows } = await sql<{ detail: string }>`explain query plan ${byClientId(clientId)}`.execute(
          h.db,
        );
        const plan = rows.map((r) => r.detail);
        assert.ok(
          plan.some((d) => /^SEARCH r USING INDEX lti_registrations_client_id \(client_id=\?\)/.test(d)),
          plan.join("\n"),
        );
        assert.equal(
          plan.some((d) => d.startsWith("SCAN")),
          false,
          plan.join("\n"),
        );
      } else {
        // A table this small is read sequentially whatever its indexes; with sequential scans priced out,
        // the plan shows which index serves the lookup.
        const plan = await h.db.transaction().execute(async (trx) => {
          await sql`set local enable_seqscan = off`.execute(trx);
          const { rows } = await sql<{ "QUERY PLAN": string }>`explain ${byClientId(clientId)}`.execute(trx);
          return rows.map((r) => r["QUERY PLAN"]).join("\n");
        });
        assert.match(plan, /Index (Only )?Scan using lti_registrations_client_id on lti_registrations/, plan);
      }
    });
  });
}
