// Only a feature's repository touches its tables. Every non-test file under src/ is scanned for the
// tables its SQL names (Kysely builder calls and SQL texts); a table named anywhere but in its
// owner's repository files fails the test, as does a table that has no owner. A few repositories
// read (join, never write) another feature's tables in one query for speed; each such read is
// listed below with its reason, so a new one is a decision, not an accident.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { read, sourceFiles, tablesIn, writtenTablesIn } from "./support/table-refs.js";

const OWNERS: Record<string, readonly string[]> = {
  users: ["src/features/users/users.repository.ts", "src/features/users/sessions.repository.ts"],
  sessions: ["src/features/users/sessions.repository.ts", "src/features/users/users.repository.ts"],
  api_tokens: ["src/features/users/sessions.repository.ts", "src/features/users/users.repository.ts"],
  login_attempts: ["src/features/auth/login-throttle.ts"],
  courses: ["src/features/courses/courses.repository.ts"],
  sections: ["src/features/courses/courses.repository.ts"],
  activities: ["src/features/activities/activities.repository.ts"],
  assign_submissions: ["src/features/activities/types/assign.repository.ts"],
  quiz_attempts: ["src/features/activities/types/quiz.repository.ts"],
  activity_completions: ["src/features/completion/completion.repository.ts"],
  course_completions: ["src/features/completion/completion.repository.ts"],
  grade_items: ["src/features/grades/grades.repository.ts"],
  grades: ["src/features/grades/grades.repository.ts"],
  grade_history: ["src/features/grades/grades.repository.ts"],
  enrol_instances: [
    "src/features/enrolments/enrolments.repository.ts",
    "src/features/enrolments/participants.repository.ts",
    "src/features/enrolments/role-assignments.repository.ts",
  ],
  enrolments: [
    "src/features/enrolments/enrolments.repository.ts",
    "src/features/enrolments/participants.repository.ts",
    "src/features/enrolments/role-assignments.repository.ts",
    "src/features/enrolments/membership-changes.repository.ts",
  ],
  membership_changes: ["src/features/enrolments/membership-changes.repository.ts"],
  role_assignments: [
    "src/features/enrolments/enrolments.repository.ts",
    "src/features/enrolments/participants.repository.ts",
    "src/features/enrolments/role-assignments.repository.ts",
  ],
  scheduled_tasks: ["src/jobs/queue.ts", "src/features/tasks/tasks.repository.ts"],
  jobs: ["src/jobs/queue.ts", "src/features/tasks/tasks.repository.ts"],
  task_log: ["src/jobs/queue.ts", "src/features/tasks/tasks.repository.ts"],
  lti_tool_types: ["src/features/lti-consumer/lti-consumer.repository.ts"],
  lti_consumer_keys: ["src/features/lti-consumer/lti-consumer.repository.ts"],
  lti_deep_link_requests: ["src/features/lti-consumer/lti-consumer.repository.ts"],
  lti_access_tokens: ["src/features/lti-consumer/lti-consumer.repository.ts"],
  lti_line_items: ["src/features/lti-consumer/services/ags.repository.ts"],
  lti_publications: [
    "src/features/lti-provider/publications/publications.repository.ts",
    "src/features/lti-provider/launch/launch.repository.ts",
  ],
  lti_provider_users: [
    "src/features/lti-provider/publications/publications.repository.ts",
    "src/features/lti-provider/grade-sync/grade-claims.repository.ts",
    "src/features/lti-provider/launch/launch.repository.ts",
  ],
  lti_user_links: [
    "src/features/lti-provider/accounts/accounts.repository.ts",
    "src/features/lti-provider/launch/launch.repository.ts",
  ],
  lti_resource_links: [
    "src/features/lti-provider/launch/resource-links.repository.ts",
    "src/features/lti-provider/launch/launch.repository.ts",
  ],
  lti_handoffs: ["src/features/lti-provider/launch/handoffs.repository.ts"],
  lti_tool_logins: ["src/features/lti-provider/launch/tool-logins.repository.ts"],
  lti_tool_deep_links: ["src/features/lti-provider/deep-linking/deep-links.repository.ts"],
  lti_nonces: ["src/features/lti-common/nonces.repository.ts"],
  lti_launch_log: ["src/features/lti-common/launch-log.repository.ts"],
  lti_deployments: [
    "src/features/lti-common/deployments.repository.ts",
    "src/features/lti-common/platform-registrations.repository.ts",
  ],
  lti_registrations: [
    "src/features/lti-common/deployments.repository.ts",
    "src/features/lti-common/platform-registrations.repository.ts",
  ],
  lti_platforms: ["src/features/lti-provider/platforms/platforms.repository.ts"],
  lti_platform_keys: ["src/features/lti-common/platform-keys.repository.ts"],
  lti_settings: ["src/features/lti-common/platform-keys.repository.ts"],
  lti_spent_tokens: ["src/features/lti-common/nonces.repository.ts"],
};

/** Reads (joins) of another feature's tables, by file, with the reason each is allowed. */
const CROSS_READS: Record<string, { tables: readonly string[]; why: string }> = {
  "src/features/admin/admin.repository.ts": {
    tables: ["courses", "enrolments", "activities"],
    why: "the site admin's course list counts participants per course in one query",
  },
  "src/features/activities/activities.repository.ts": {
    tables: ["sections"],
    why: "activities are listed and placed by their section",
  },
  "src/features/enrolments/participants.repository.ts": {
    tables: ["users"],
    why: "the participants list shows names in one query",
  },
  "src/features/grades/grades.repository.ts": {
    tables: ["activities"],
    why: "grade items carry their activity's visibility for the students' reports",
  },
  "src/features/lti-common/launch-log.repository.ts": {
    tables: ["users", "courses", "activities"],
    why: "the launch log shows whose launch into what",
  },
  "src/features/lti-provider/accounts/accounts.repository.ts": {
    tables: ["users", "lti_deployments"],
    why: "a launch finds the linked account with its names in one query",
  },
  "src/features/lti-provider/launch/launch.repository.ts": {
    tables: ["users", "enrol_instances", "enrolments", "role_assignments", "activities", "lti_deployments"],
    why: "a launch reads everything it needs in one query (the launch read model)",
  },
  "src/features/lti-provider/launch/resource-links.repository.ts": {
    tables: ["lti_deployments"],
    why: "member sync signs with the consumer key of the link's deployment and provisions in its account scope, read with the links",
  },
  "src/features/lti-provider/grade-sync/grade-claims.repository.ts": {
    tables: ["lti_deployments"],
    why: "a claimed user comes back with the consumer key its grade is signed with",
  },
  "src/features/lti-consumer/services/nrps.repository.ts": {
    tables: ["users", "enrol_instances", "enrolments", "role_assignments", "membership_changes"],
    why: "NRPS pages a course's roster with its members' states and roles in two queries per page",
  },
  "src/features/lti-provider/platforms/platforms.repository.ts": {
    tables: ["lti_registrations", "lti_deployments"],
    why: "every LTI 1.3 login and launch reads its Active platform with issuer, client_id and deployments in one query",
  },
  "src/features/lti-common/nonces.repository.ts": {
    tables: ["lti_deployments"],
    why: "a nonce is stored for its deployment, found in the same statement",
  },
};

const KNOWN = new Set(Object.keys(OWNERS));
const files = sourceFiles("src").filter((f) => !f.startsWith("src/db/migrations/"));

describe("table ownership", () => {
  it("finds the SQL of the repositories (the scan is not blind)", () => {
    const touched = new Set(files.flatMap((f) => [...tablesIn(read(f), KNOWN)]));
    assert.deepEqual(
      [...KNOWN].filter((t) => !touched.has(t)),
      [],
    );
  });

  it("writes each table only from its owner's repository", () => {
    const offences = files.flatMap((f) =>
      [...writtenTablesIn(read(f), KNOWN)]
        .filter((t) => !OWNERS[t]?.includes(f))
        .map((t) => `${f} writes ${t}`),
    );
    assert.deepEqual(offences, []);
  });

  it("reads each table only from its owner's repository or a listed read model", () => {
    const offences = files.flatMap((f) =>
      [...tablesIn(read(f), KNOWN)]
        .filter((t) => !OWNERS[t]?.includes(f) && !CROSS_READS[f]?.tables.includes(t))
        .map((t) => `${f} touches ${t}`),
    );
    assert.deepEqual(offences, []);
  });

  it("counts as a table's owner only files that exist", () => {
    const all = new Set(files);
    const listed = [...Object.values(OWNERS).flat(), ...Object.keys(CROSS_READS)];
    assert.deepEqual(
      listed.filter((f) => !all.has(f)),
      [],
    );
  });

  it("sees a planted read and a planted write of another feature's table", () => {
    assert.deepEqual(
      [...tablesIn('await db.selectFrom("grades").selectAll().execute();', KNOWN)],
      ["grades"],
    );
    assert.deepEqual(
      [...writtenTablesIn("await sql`update users set lang = 'en'`.execute(db);", KNOWN)],
      ["users"],
    );
    assert.deepEqual(
      [...tablesIn("sql`select 1 from enrol_instances i join enrolments e on 1=1`", KNOWN)].sort(),
      ["enrol_instances", "enrolments"],
    );
  });
});
