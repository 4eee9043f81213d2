// Provider-side LTI 1.3 registrations as lti-provider's platforms use them: the (issuer, client_id)
// row and its deployment ids. The tables are platform-registrations.repository.ts's.
export type { PlatformDeployment, PlatformRegistration } from "./platform-registrations.repository.js";
export {
  deletePlatformDeployment,
  deletePlatformRegistration,
  findPlatformRegistration,
  findPlatformRegistrationByIdentity,
  insertPlatformDeployment,
  insertPlatformRegistration,
  listPlatformDeployments,
  listPlatformRegistrations,
  updatePlatformRegistration,
} from "./platform-registrations.repository.js";
