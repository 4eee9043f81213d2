// Sessions and API tokens as the HTTP edge (src/http/session.ts) and housekeeping use them; the
// cookie, expiry and touch policy live there, the rows in sessions.repository.ts.
export {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  findTokenActor,
  insertSession,
  type StoredSession,
  tokenExists,
  touchSession,
  touchToken,
  updateSessionData,
} from "./sessions.repository.js";
