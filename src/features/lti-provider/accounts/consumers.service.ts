// The consumers of published tools as a site admin sees them: every provider-side LTI 1.1
// deployment (a publication and the consumer key it was launched with), how many remote users it
// provisioned, and which other deployments of the same key share its accounts. A site admin (only)
// declares two deployments to be the same consumer, and undoes it; the account scopes themselves
// are lti-common's (deployments.service.ts).
import type { Db } from "../../../db/database.js";
import { findCourse } from "../../courses/courses.service.js";
import { findEnrolInstance } from "../../enrolments/enrolments.service.js";
import {
  declareSameConsumer as declare,
  listProviderDeployments,
  type ProviderDeployment,
  separateAccounts as separate,
} from "../../lti-common/deployments.service.js";
import { findPublication } from "../publications/publications.repository.js";
import { countLinks } from "./accounts.repository.js";

export interface Consumer {
  id: number;
  consumerKey: string;
  /** The publication it launches; undefined once the publication was deleted. */
  publication?: { id: number; instanceId: number; courseId: number; courseName: string; methodName: string };
  /** What to call it beside other deployments of its key. */
  label: string;
  /** Its account scope (the first deployment of its group, or itself). */
  accountScope: number;
  /** Remote users linked to an account through it. */
  linkedAccounts: number;
  /** The other deployments of its group: their remote users and its reach the same accounts. */
  sharesWith: number[];
  /** The other deployments of the same consumer key (the ones it can be declared the same as). */
  sameKey: number[];
  createdAt: string;
}

/** Every consumer of the site's published tools, by consumer key, oldest first. */
export async function listConsumers(db: Db): Promise<Consumer[]> {
  const deployments = await listProviderDeployments(db);
  const links = await countLinks(
    db,
    deployments.map((d) => d.id),
  );
  const out: Consumer[] = [];
  for (const d of deployments) out.push(await present(db, d, deployments, links));
  return out;
}

/** One consumer as listConsumers shows it. */
export async function getConsumer(db: Db, id: number): Promise<Consumer | undefined> {
  return (await listConsumers(db)).find((c) => c.id === id);
}

async function present(
  db: Db,
  d: ProviderDeployment,
  all: readonly ProviderDeployment[],
  links: ReadonlyMap<number, number>,
): Promise<Consumer> {
  const pub = d.publicationId !== null ? await findPublication(db, d.publicationId) : undefined;
  const instance = pub ? await findEnrolInstance(db, pub.instanceId) : undefined;
  const course = pub ? await findCourse(db, pub.courseId) : undefined;
  const publication = pub
    ? {
        id: pub.id,
        instanceId: pub.instanceId,
        courseId: pub.courseId,
        courseName: course?.fullname ?? "",
        methodName: instance?.name ?? "",
      }
    : undefined;
  const label = publication
    ? `${publication.courseName}${publication.methodName ? ` (${publication.methodName})` : ""}`
    : "A deleted publication";
  const others = all.filter((o) => o.id !== d.id && o.consumerKey === d.consumerKey);
  return {
    id: d.id,
    consumerKey: d.consumerKey,
    ...(publication ? { publication } : {}),
    label: `${label} #${d.id}`,
    accountScope: d.accountScope,
    linkedAccounts: links.get(d.id) ?? 0,
    sharesWith: others.filter((o) => o.accountScope === d.accountScope).map((o) => o.id),
    sameKey: others.map((o) => o.id),
    createdAt: d.createdAt,
  };
}

/** Declares deployment `id` the same consumer as `sameAs` (same consumer key): they share accounts. */
export async function declareSameConsumer(db: Db, id: number, sameAs: number): Promise<Consumer> {
  await declare(db, id, sameAs);
  return mustGet(db, id);
}

/** Undoes the declaration: deployment `id` reaches only the accounts it provisioned. */
export async function separateAccounts(db: Db, id: number): Promise<Consumer> {
  await separate(db, id);
  return mustGet(db, id);
}

async function mustGet(db: Db, id: number): Promise<Consumer> {
  const c = await getConsumer(db, id);
  if (!c) throw new Error(`deployment ${id} vanished`);
  return c;
}
