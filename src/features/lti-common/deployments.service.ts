// Deployments as the LTI features use them: lti-provider's launches and lti-consumer's tools find or
// create the remote party's row in the caller's transaction. The table is deployments.repository.ts's.
import type { Db } from "../../db/database.js";
import * as repo from "./deployments.repository.js";

export type { DeploymentOwner } from "./deployments.repository.js";

/** The deployment of `owner`, created when there is none (once, under simultaneous first use). */
export function ensureDeployment(db: Db, owner: repo.DeploymentOwner, now: string): Promise<number> {
  return repo.ensureDeployment(db, owner, now);
}

export type { ToolRegistration, ToolRegistrationFields } from "./deployments.repository.js";
export {
  findToolRegistration,
  insertToolRegistration,
  listToolRegistrations,
  updateToolRegistration,
} from "./deployments.repository.js";
