// An AGS 2.0 score (§3.4; conformance cases 164–171) and what it does to the stored grade. A score names
// the user, its timestamp (ISO 8601 with a zone), the activity and grading progress; `scoreGiven` ≥ 0 may
// exceed `scoreMaximum` (extra credit) and needs it (> 0); no `scoreGiven` clears the grade. Pure.
import { AgsError } from "../errors.js";
import { MAX_SCORE } from "./line-item.js";
import { normaliseTimestamp } from "./timestamps.js";

export const ACTIVITY_PROGRESS = ["Initialized", "Started", "InProgress", "Submitted", "Completed"] as const;
export type ActivityProgress = (typeof ACTIVITY_PROGRESS)[number];
export const GRADING_PROGRESS = ["FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"] as const;
export type GradingProgress = (typeof GRADING_PROGRESS)[number];

export const MAX_COMMENT_LENGTH = 65_536;

export interface Score {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  /** As the tool sent it. */
  timestamp: string;
  /** The same instant, normalised (UTC, nine fraction digits): compares as a string. */
  instant: string;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  scoringUserId?: string;
}

const invalid = (field: string, message: string) => new AgsError("ags_invalid_score", message, field);

function oneOf<T extends string>(b: Record<string, unknown>, field: string, values: readonly T[]): T {
  const v = b[field];
  if (typeof v !== "string" || !(values as readonly string[]).includes(v))
    throw invalid(field, `${field} is required and must be one of ${values.join(", ")}.`);
  return v as T;
}

/** Reads a score body (already parsed JSON); throws AgsError `ags_invalid_score` naming the field. */
export function parseScore(body: unknown): Score {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw invalid("body", "The score must be a JSON object.");
  const b = body as Record<string, unknown>;
  if (typeof b.userId !== "string" || b.userId === "" || b.userId.length > 255)
    throw invalid("userId", "userId is required and must be a non-empty string.");
  if (typeof b.timestamp !== "string")
    throw invalid("timestamp", "timestamp is required (ISO 8601 with a time zone).");
  const instant = normaliseTimestamp(b.timestamp);
  if (instant === undefined)
    throw invalid("timestamp", "timestamp must be an ISO 8601 date-time with a time zone.");
  const activityProgress = oneOf(b, "activityProgress", ACTIVITY_PROGRESS);
  const gradingProgress = oneOf(b, "gradingProgress", GRADING_PROGRESS);
  const given = b.scoreGiven;
  const max = b.scoreMaximum;
  if (given !== undefined && given !== null) {
    if (typeof given !== "number" || !Number.isFinite(given) || given < 0 || given > MAX_SCORE)
      throw invalid("scoreGiven", "scoreGiven must be a number of at least 0.");
    if (max === undefined || max === null)
      throw invalid("scoreMaximum", "scoreMaximum is required with scoreGiven.");
  }
  if (max !== undefined && max !== null) {
    if (typeof max !== "number" || !Number.isFinite(max) || max <= 0 || max > MAX_SCORE)
      throw invalid("scoreMaximum", "scoreMaximum must be a number greater than 0.");
  }
  const comment = b.comment;
  if (comment !== undefined && comment !== null) {
    if (typeof comment !== "string") throw invalid("comment", "comment must be a string.");
    if (comment.length > MAX_COMMENT_LENGTH)
      throw invalid("comment", `comment must be at most ${MAX_COMMENT_LENGTH} characters.`);
  }
  const scoring = b.scoringUserId;
  if (scoring !== undefined && scoring !== null && (typeof scoring !== "string" || scoring === ""))
    throw invalid("scoringUserId", "scoringUserId must be a non-empty string.");
  return {
    userId: b.userId,
    ...(typeof given === "number" ? { scoreGiven: given } : {}),
    ...(typeof max === "number" ? { scoreMaximum: max } : {}),
    ...(typeof comment === "string" && comment !== "" ? { comment } : {}),
    timestamp: b.timestamp,
    instant,
    activityProgress,
    gradingProgress,
    ...(typeof scoring === "string" ? { scoringUserId: scoring } : {}),
  };
}

/** How final a grade is: only FullyGraded is final; PendingManual waits for a person, the rest for the tool. */
export type ScoreProgress = "final" | "pending" | "needs_grading";

export function progressOf(gradingProgress: GradingProgress): ScoreProgress {
  if (gradingProgress === "FullyGraded") return "final";
  return gradingProgress === "PendingManual" ? "needs_grading" : "pending";
}

/** scoreGiven out of scoreMaximum, on a grade item out of `itemMaximum` (5 decimals; may exceed it). */
export function rescale(scoreGiven: number, scoreMaximum: number, itemMaximum: number): number {
  return Math.round((scoreGiven / scoreMaximum) * itemMaximum * 100000) / 100000;
}

/** Whether the activity counts as done for the user: the tool says it was submitted or completed. */
export const completesActivity = (p: ActivityProgress): boolean => p === "Submitted" || p === "Completed";

/**
 * What a score does to the stored grade: nothing when the stored score's timestamp is the same or later (§3.4.9:
 * the platform must not update; a tool must never send one timestamp twice), else the new grade (null: cleared),
 * its feedback (the comment; none clears the tool's earlier comment, §3.4.11) and progress.
 */
export function applyScore(
  score: Score,
  itemMaximum: number,
  storedInstant: string | null | undefined,
):
  | { kind: "stale"; storedInstant: string }
  | { kind: "write"; grade: number | null; feedback: string; progress: ScoreProgress } {
  if (storedInstant != null && score.instant <= storedInstant) return { kind: "stale", storedInstant };
  const grade =
    score.scoreGiven === undefined || score.scoreMaximum === undefined
      ? null
      : rescale(score.scoreGiven, score.scoreMaximum, itemMaximum);
  return { kind: "write", grade, feedback: score.comment ?? "", progress: progressOf(score.gradingProgress) };
}
