// Deployments as the LTI features use them: lti-provider's launches and lti-consumer's tools find or
// create the remote party's row in the caller's transaction; a site admin declares which provider
// deployments are one consumer (they share accounts). The table is deployments.repository.ts's.
import type { Db } from "../../db/database.js";
import { NotFoundError, ValidationError } from "../../shared/errors.js";
import * as repo from "./deployments.repository.js";

export type { DeploymentOwner } from "./deployments.repository.js";

/** The deployment of `owner`, created when there is none (once, under simultaneous first use). */
/** The row of a deployment, if it exists (an LTI 1.1 key's for a publication, or a platform's deployment_id). */
export function findDeploymentId(db: Db, owner: repo.DeploymentOwner): Promise<number | undefined> {
  return repo.findDeploymentId(db, owner);
}

export function ensureDeployment(db: Db, owner: repo.DeploymentOwner, now: string): Promise<number> {
  return repo.ensureDeployment(db, owner, now);
}

export type { ProviderDeployment } from "./deployments.repository.js";

/** Provider-side LTI 1.1 deployments (the consumers of published tools), by consumer key. */
export function listProviderDeployments(db: Db): Promise<repo.ProviderDeployment[]> {
  return repo.listProviderDeployments(db);
}

async function providerDeployment(db: Db, id: number): Promise<repo.ProviderDeployment> {
  const d = await repo.findProviderDeployment(db, id);
  if (!d) throw new NotFoundError("LTI consumer");
  return d;
}

/**
 * A site admin's declaration that deployment `id` is the same consumer as `sameAs` (both signing
 * with one consumer key): from then on a remote user launching through either reaches the accounts
 * linked through both, and `id`'s whole group joins `sameAs`'s. Declaring it twice changes nothing.
 */
export async function declareSameConsumer(
  db: Db,
  id: number,
  sameAs: number,
): Promise<repo.ProviderDeployment> {
  return db.transaction().execute(async (trx) => {
    const d = await providerDeployment(trx, id);
    const other = await repo.findProviderDeployment(trx, sameAs);
    if (!other || other.id === d.id)
      throw new ValidationError("Choose another consumer of the same key", [
        { field: "sameAs", message: "must be another consumer with the same consumer key" },
      ]);
    if (other.consumerKey !== d.consumerKey)
      throw new ValidationError("Only consumers that sign with the same consumer key can share accounts", [
        { field: "sameAs", message: "has another consumer key" },
      ]);
    if (other.accountScope !== d.accountScope)
      await repo.mergeScopes(trx, d.accountScope, other.accountScope);
    return providerDeployment(trx, id);
  });
}

/** Undoes a declaration: deployment `id` reaches only the accounts linked through itself again. */
export async function separateAccounts(db: Db, id: number): Promise<repo.ProviderDeployment> {
  return db.transaction().execute(async (trx) => {
    await providerDeployment(trx, id);
    await repo.leaveScope(trx, id);
    return providerDeployment(trx, id);
  });
}

export type { ToolRegistration, ToolRegistrationFields, ToolServices } from "./deployments.repository.js";
export {
  findToolRegistration,
  insertToolRegistration,
  listToolRegistrations,
  moveToolRegistration,
  updateToolRegistration,
} from "./deployments.repository.js";
