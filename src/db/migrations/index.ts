// Every migration, in order. Imported statically so the built app carries them.
import type { Migration } from "kysely";
import * as m0001 from "./0001-core.js";
import * as m0010 from "./0010-lti-provider.js";
import * as m0020 from "./0020-lti-consumer.js";
import * as m0030 from "./0030-lookup-indexes.js";
import * as m0031 from "./0031-lti-grade-claim.js";
import * as m0040 from "./0040-lti-deployments.js";
import * as m0041 from "./0041-lti-account-scopes.js";
import * as m0042 from "./0042-lti-platform-keys.js";
import * as m0043 from "./0043-lti-tool-registrations.js";
import * as m0044 from "./0044-lti-deep-linking.js";
import * as m0045 from "./0045-lti-dynamic-registration.js";
import * as m0046 from "./0046-lti-access-tokens.js";
import * as m0047 from "./0047-course-copy.js";
import * as m0048 from "./0048-lti-ags.js";
import * as m0049 from "./0049-membership-changes.js";
import * as m0050 from "./0050-lti-tool-services.js";
import * as m0051 from "./0051-lti-registration-client-id.js";
import * as m0052 from "./0052-lti-platforms.js";
import * as m0054 from "./0054-lti-publication-version.js";
import * as m0055 from "./0055-lti-tool-logins.js";
import * as m0056 from "./0056-lti-advantage-services.js";
import * as m0057 from "./0057-lti-tool-deep-links.js";
import * as m0058 from "./0058-lti-registration-urls.js";
import * as m0059 from "./0059-grade-item-attached-activity.js";

export const migrations: Record<string, Migration> = {
  "0001-core": m0001,
  "0010-lti-provider": m0010,
  "0020-lti-consumer": m0020,
  "0030-lookup-indexes": m0030,
  "0031-lti-grade-claim": m0031,
  "0040-lti-deployments": m0040,
  "0041-lti-account-scopes": m0041,
  "0042-lti-platform-keys": m0042,
  "0043-lti-tool-registrations": m0043,
  "0044-lti-deep-linking": m0044,
  "0045-lti-dynamic-registration": m0045,
  "0046-lti-access-tokens": m0046,
  "0047-course-copy": m0047,
  "0048-lti-ags": m0048,
  "0049-membership-changes": m0049,
  "0050-lti-tool-services": m0050,
  "0051-lti-registration-client-id": m0051,
  "0052-lti-platforms": m0052,
  "0054-lti-publication-version": m0054,
  "0055-lti-tool-logins": m0055,
  "0056-lti-advantage-services": m0056,
  "0057-lti-tool-deep-links": m0057,
  "0058-lti-registration-urls": m0058,
  "0059-grade-item-attached-activity": m0059,
};
