// Table types for Kysely. SQL names are snake_case; repositories map rows to camelCase.
// Times are ISO 8601 UTC strings (sortable, identical on SQLite and PostgreSQL).
// Booleans are 0/1 integers on both engines.
import type { Generated, Insertable, Selectable, Updateable } from "kysely";
import type { LtiCommonTables } from "./schema-lti-common.js";
import type { LtiConsumerTables } from "./schema-lti-consumer.js";
import type { LtiProviderTables } from "./schema-lti-provider.js";

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string | null;
  email: string;
  firstname: string;
  lastname: string;
  country: string;
  city: string;
  timezone: string;
  lang: string;
  institution: string;
  auth: string;
  suspended: number;
  site_admin: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  /** sha256 of the cookie value, hex */
  id: string;
  user_id: number;
  csrf_token: string;
  /** JSON object: per-session state such as the LTI launch that opened it */
  data: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface LoginAttemptsTable {
  key: string;
  window_start: string;
  failures: number;
}

export interface CoursesTable {
  id: Generated<number>;
  fullname: string;
  shortname: string;
  summary: string;
  visible: number;
  /** YYYY-MM-DD, or null when the course has no start date */
  start_date: string | null;
  /** the course this one was copied from (course copy), or null */
  original_course_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface SectionsTable {
  id: Generated<number>;
  course_id: number;
  position: number;
  name: string;
  summary: string;
}

export interface ActivitiesTable {
  id: Generated<number>;
  course_id: number;
  section_id: number;
  position: number;
  type: string;
  name: string;
  /** JSON: type-specific settings */
  settings: string;
  visible: number;
  /** none | viewed | graded | passing */
  completion_rule: string;
  completion_pass_grade: number | null;
  /** the activity this one was copied from (course copy), or null */
  original_activity_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface ActivityCompletionsTable {
  activity_id: number;
  user_id: number;
  viewed: number;
  /** 1 when the activity's rule is met */
  complete: number;
  updated_at: string;
}

export interface CourseCompletionsTable {
  course_id: number;
  user_id: number;
  completed_at: string;
}

export interface QuizAttemptsTable {
  id: Generated<number>;
  activity_id: number;
  user_id: number;
  answers: string;
  grade: number;
  max_grade: number;
  created_at: string;
}

export interface AssignSubmissionsTable {
  id: Generated<number>;
  activity_id: number;
  user_id: number;
  text: string;
  submitted_at: string;
  updated_at: string;
}

export interface GradeItemsTable {
  id: Generated<number>;
  course_id: number;
  /** null for the course total and for a tool's own column */
  activity_id: number | null;
  name: string;
  max_grade: number;
  pass_grade: number | null;
  /** activity | total | tool (a column an LTI tool created; migration 0048) */
  kind: Generated<string>;
  /** A tool's column: the activity (resource link) it is attached to, hidden with it (migration 0059). */
  attached_activity_id: number | null;
}

export interface GradesTable {
  id: Generated<number>;
  item_id: number;
  user_id: number;
  grade: number | null;
  feedback: string;
  /** teacher | quiz | external | system */
  source: string;
  actor_id: number | null;
  updated_at: string;
  /** final | pending | needs_grading (migration 0048) */
  progress: Generated<string>;
  /** The LTI tool whose score set this grade. */
  tool_type_id: number | null;
  /** The normalised timestamp of the tool's score that set it (AGS §3.4.9). */
  score_timestamp: string | null;
}

export interface GradeHistoryTable {
  id: Generated<number>;
  item_id: number;
  user_id: number;
  grade: number | null;
  feedback: string;
  source: string;
  actor_id: number | null;
  created_at: string;
  progress: Generated<string>;
  tool_type_id: number | null;
}

export interface EnrolInstancesTable {
  id: Generated<number>;
  course_id: number;
  /** manual | lti | … (registry key) */
  method: string;
  name: string;
  /** enabled | disabled */
  status: string;
  enrol_period: number | null;
  enrol_start: string | null;
  enrol_end: string | null;
  max_enrolled: number;
  role: string;
  /** JSON: method-specific settings */
  settings: string;
  created_at: string;
  updated_at: string;
}

export interface EnrolmentsTable {
  id: Generated<number>;
  instance_id: number;
  course_id: number;
  user_id: number;
  /** active | suspended */
  status: string;
  time_start: string | null;
  time_end: string | null;
  created_at: string;
}

/** A change to a user's enrolment or roles in a course (NRPS differences); see migration 0049. */
export interface MembershipChangesTable {
  id: Generated<number>;
  course_id: number;
  user_id: number;
  changed_at: string;
}

export interface RoleAssignmentsTable {
  id: Generated<number>;
  course_id: number;
  user_id: number;
  role: string;
  /** the enrolment instance that gave this role, or null when given by hand */
  instance_id: number | null;
  created_at: string;
}

export interface ScheduledTasksTable {
  name: string;
  interval_seconds: number;
  enabled: number;
  next_run_at: string;
  last_run_at: string | null;
  last_status: string | null;
  last_message: string | null;
  last_duration_ms: number | null;
  failures: number;
}

export interface JobsTable {
  id: Generated<number>;
  name: string;
  payload: string;
  /** pending | running | done | failed */
  status: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_until: string | null;
  locked_by: string | null;
  /** when set, at most one pending job per key */
  dedupe_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface TaskLogTable {
  id: Generated<number>;
  task: string;
  job_id: number | null;
  started_at: string;
  duration_ms: number;
  /** ok | failed | retry */
  status: string;
  message: string;
}

export interface Database extends LtiProviderTables, LtiConsumerTables, LtiCommonTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_attempts: LoginAttemptsTable;
  courses: CoursesTable;
  sections: SectionsTable;
  activities: ActivitiesTable;
  activity_completions: ActivityCompletionsTable;
  course_completions: CourseCompletionsTable;
  quiz_attempts: QuizAttemptsTable;
  assign_submissions: AssignSubmissionsTable;
  grade_items: GradeItemsTable;
  grades: GradesTable;
  grade_history: GradeHistoryTable;
  enrol_instances: EnrolInstancesTable;
  enrolments: EnrolmentsTable;
  role_assignments: RoleAssignmentsTable;
  membership_changes: MembershipChangesTable;
  scheduled_tasks: ScheduledTasksTable;
  jobs: JobsTable;
  task_log: TaskLogTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
