// The transports grade sync and member sync use, one per endpoint kind, built from the I/O they are given
// (the outbound fetch with the site's allow list, the clock, Pluto's site key for LTI 1.3 service tokens).
// The tasks build them per run; LTI 1.3 tokens outlive a run in the process's token cache
// (service-token.ts). Tests may build them over another fetch and cache.
import type { PlatformSigningKey } from "../../lti/v1p3/keys.js";
import type { Clock } from "../../shared/clock.js";
import type { Fetch } from "../../shared/outbound.js";
import { agsTransport } from "./grade-sync/transport.ags.js";
import { basicOutcomesTransport } from "./grade-sync/transport.basic-outcomes.js";
import type { GradeTransports } from "./grade-sync/transport.js";
import type { MembershipSources } from "./member-sync/source.js";
import { membershipsExtSource } from "./member-sync/source.memberships-ext.js";
import { nrpsSource } from "./member-sync/source.nrps.js";
import { type ServiceTokenCache, serviceTokens } from "./service-token.js";

export interface SyncTransports {
  grades: GradeTransports;
  members: MembershipSources;
}

/** Line items the AGS transport found or created, kept for the process like the tokens. */
const processLineItems = new Map<string, Promise<string>>();

export function syncTransports(deps: {
  fetch: Fetch;
  clock: Clock;
  /** Pluto's current site key (platform-keys.service `signingKey`), which signs client assertions. */
  signer: () => Promise<PlatformSigningKey>;
  tokenCache?: ServiceTokenCache;
  lineItems?: Map<string, Promise<string>>;
}): SyncTransports {
  const tokens = serviceTokens({
    fetch: deps.fetch,
    clock: deps.clock,
    signer: deps.signer,
    ...(deps.tokenCache ? { cache: deps.tokenCache } : {}),
  });
  return {
    grades: {
      basic_outcomes: basicOutcomesTransport(deps),
      ags: agsTransport({ fetch: deps.fetch, tokens, lineItems: deps.lineItems ?? processLineItems }),
    },
    members: {
      memberships_ext: membershipsExtSource(deps),
      nrps: nrpsSource({ fetch: deps.fetch, tokens }),
    },
  };
}
