// Every migration, in order. Imported statically so the built app carries them.
import type { Migration } from "kysely";
import * as m0001 from "./0001-core.js";

export const migrations: Record<string, Migration> = {
  "0001-core": m0001,
};
