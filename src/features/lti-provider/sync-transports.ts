// The transports grade sync and member sync use, one per endpoint kind, built from the I/O they are given
// (the outbound fetch with the site's allow list, the clock). The tasks build them per run; tests may build
// them over another fetch.
import type { Clock } from "../../shared/clock.js";
import type { Fetch } from "../../shared/outbound.js";
import { basicOutcomesTransport } from "./grade-sync/transport.basic-outcomes.js";
import type { GradeTransports } from "./grade-sync/transport.js";
import type { MembershipSources } from "./member-sync/source.js";
import { membershipsExtSource } from "./member-sync/source.memberships-ext.js";

export interface SyncTransports {
  grades: GradeTransports;
  members: MembershipSources;
}

export function syncTransports(deps: { fetch: Fetch; clock: Clock }): SyncTransports {
  return {
    grades: { basic_outcomes: basicOutcomesTransport(deps) },
    members: { memberships_ext: membershipsExtSource(deps) },
  };
}
