// "Publish as LTI tool" instances get an LTI version: LTI Advantage (1.3, the default for new
// instances) or Legacy LTI (1.1). lti_publications has carried lti_version and a unique uuid since
// 0010; every instance published until now is an LTI 1.1 one, so its row says '1.1' and its settings
// (the source the row mirrors) say so too, rather than taking the new default when read. A row
// without a usable uuid gets one: the uuid is the instance's stable public identifier (the 1.1
// launch URL, the 1.3 custom parameter id=<uuid>). Portable SQL and JSON read in code: both engines.
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./helpers.js";

export async function up(db: Db): Promise<void> {
  await sql`update lti_publications set lti_version = '1.1'
    where lti_version is null or lti_version not in ('1.1', '1.3')`.execute(db);

  const { rows: missing } = await sql<{ id: number }>`select id from lti_publications
    where uuid is null or length(uuid) <> 36 order by id`.execute(db);
  for (const r of missing)
    await sql`update lti_publications set uuid = ${randomUUID()} where id = ${r.id}`.execute(db);

  const { rows: instances } = await sql<{ id: number; settings: string }>`select id, settings
    from enrol_instances where method = 'lti' order by id`.execute(db);
  for (const i of instances) {
    let settings: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(i.settings);
      settings = parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    } catch {
      settings = {};
    }
    if (settings.ltiVersion === "1.1" || settings.ltiVersion === "1.3") continue;
    const { rows } = await sql<{ lti_version: string }>`select lti_version from lti_publications
      where instance_id = ${i.id}`.execute(db);
    const ltiVersion = rows[0]?.lti_version === "1.3" ? "1.3" : "1.1";
    await sql`update enrol_instances set settings = ${JSON.stringify({ ...settings, ltiVersion })}
      where id = ${i.id}`.execute(db);
  }
}

export async function down(db: Db): Promise<void> {
  // The column and uuids predate this migration; only the settings' explicit version goes.
  const { rows: instances } = await sql<{ id: number; settings: string }>`select id, settings
    from enrol_instances where method = 'lti' order by id`.execute(db);
  for (const i of instances) {
    try {
      const { ltiVersion: _dropped, ...rest } = JSON.parse(i.settings) as Record<string, unknown>;
      await sql`update enrol_instances set settings = ${JSON.stringify(rest)} where id = ${i.id}`.execute(db);
    } catch {
      // Settings that are not JSON are left as they are.
    }
  }
}
