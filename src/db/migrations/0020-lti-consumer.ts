// "External tool" (Pluto as LTI consumer): site-wide tool types and the consumer's keys.
import type { ColumnDefinitionBuilder, Kysely } from "kysely";
import { withId } from "./helpers.js";

type Db = Kysely<unknown>;
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
const text = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo("");
const flag = (on: 0 | 1) => (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(on);

export async function up(db: Db): Promise<void> {
  await withId(db, db.schema.createTable("lti_tool_types"))
    .addColumn("name", "varchar(254)", notNull)
    .addColumn("description", "text", text)
    .addColumn("base_url", "text", text)
    .addColumn("cartridge_url", "text")
    .addColumn("launch_url", "text", text)
    .addColumn("secure_launch_url", "text", text)
    .addColumn("lti_version", "varchar(10)", (c) => c.notNull().defaultTo("1.1"))
    .addColumn("consumer_key", "varchar(255)", text)
    .addColumn("shared_secret", "varchar(255)", text)
    .addColumn("icon_url", "text", text)
    .addColumn("secure_icon_url", "text", text)
    .addColumn("custom_parameters", "text", text)
    .addColumn("launch_container", "varchar(20)", (c) => c.notNull().defaultTo("embed"))
    .addColumn("share_name", "integer", flag(1))
    .addColumn("share_email", "integer", flag(1))
    .addColumn("accept_grades", "integer", flag(1))
    .addColumn("show_in_picker", "integer", flag(1))
    .addColumn("vendor_code", "varchar(255)", text)
    .addColumn("vendor_name", "varchar(255)", text)
    .addColumn("created_at", "text", notNull)
    .addColumn("updated_at", "text", notNull)
    .execute();

  await db.schema
    .createTable("lti_consumer_keys")
    .addColumn("name", "varchar(60)", (c) => c.primaryKey())
    .addColumn("value", "text", notNull)
    .addColumn("created_at", "text", notNull)
    .execute();
}

export async function down(db: Db): Promise<void> {
  await db.schema.dropTable("lti_consumer_keys").ifExists().execute();
  await db.schema.dropTable("lti_tool_types").ifExists().execute();
}
