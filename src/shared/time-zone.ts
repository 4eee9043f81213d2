// Instants (ISO 8601 UTC strings, as stored) ⇄ wall-clock time in an IANA time zone, with the
// built-in Intl API only. Forms show and read wall-clock time in the viewer's zone; pages format
// instants in it; the database and the JSON API keep UTC instants.
//
// A wall-clock time is read with the rule Temporal calls "compatible" (java.time does the same):
// - one that does not exist (skipped when clocks go forward) moves forward by the length of the
//   gap: 02:30 on 8 March 2026 in America/New_York is 03:30 EDT (07:30Z);
// - one that happens twice (when clocks go back) is its first occurrence, the earlier instant,
//   still in summer time: 01:30 on 25 October 2026 in Europe/London is 01:30 BST (00:30Z).

/** The zone used when neither the user nor the site names a valid one. */
export const FALLBACK_TIME_ZONE = "UTC";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter giving every field as digits in `timeZone`; throws RangeError for an unknown zone. */
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    // Names come from stored settings, but the spelling of a zone is free ("europe/london"): cap the cache.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone name the runtime knows (e.g. "Europe/London", "UTC"). */
export function isTimeZone(name: string): boolean {
  if (name === "") return false;
  try {
    partsFormatter(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone to show times in: `preferred` (a user's setting) when it is valid, else `siteDefault`
 * when that is valid, else UTC. An empty or unknown name never throws.
 */
export function resolveTimeZone(preferred: string | null | undefined, siteDefault: string): string {
  if (preferred && isTimeZone(preferred)) return preferred;
  return isTimeZone(siteDefault) ? siteDefault : FALLBACK_TIME_ZONE;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock fields of instant `ms` (whole seconds) in `timeZone`. */
function wallOf(ms: number, timeZone: string): Wall {
  const out: Record<string, number> = {};
  for (const p of partsFormatter(timeZone).formatToParts(ms)) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return {
    year: out.year ?? 0,
    month: out.month ?? 0,
    day: out.day ?? 0,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

const wallAsUtc = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
function offsetAt(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallAsUtc(wallOf(whole, timeZone)) - whole;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function toDate(instant: string | Date): Date | undefined {
  const d = typeof instant === "string" ? new Date(instant) : instant;
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * An instant as the value of a `datetime-local` input in `timeZone`: "2026-03-01T09:30", with
 * ":SS" only when the seconds are not zero. Empty for a missing or unreadable instant.
 */
export function toWallTime(instant: string | Date | null | undefined, timeZone: string): string {
  const d = instant == null ? undefined : toDate(instant);
  if (!d) return "";
  const w = wallOf(d.getTime(), timeZone);
  const s = w.second === 0 ? "" : `:${pad(w.second)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}${s}`;
}

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A `datetime-local` value ("2026-03-01T09:30", seconds optional) read as wall-clock time in
 * `timeZone`, as an ISO UTC instant ("2026-02-28T22:30:00.000Z"). Undefined when the text is not
 * a real calendar date and time. Skipped and repeated wall times follow the rule at the top.
 */
export function fromWallTime(value: string, timeZone: string): string | undefined {
  const m = WALL_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  // Date.UTC maps years 0–99 to 1900–1999; such years are not accepted either way.
  if (check.getUTCFullYear() !== year || check.getUTCDate() !== day) return undefined;
  // Offsets a day either side bracket any single transition near this wall time.
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((t) => t + offsetAt(t, timeZone) === wall)
    .sort((a, b) => a - b);
  // Several: a repeated wall time, the first occurrence wins. None: a skipped one, read with the
  // offset in force before the gap, which lands as far past the gap as the time was into it.
  const t = candidates[0] ?? wall - before;
  return new Date(t).toISOString();
}

/**
 * An instant for people to read in `timeZone`, naming the zone: "2026-03-01 09:30 Australia/Sydney".
 * `seconds` adds ":SS"; `zone: false` leaves the name out, for a table whose heading names it.
 * A dash for a missing instant; unreadable text is shown as it is.
 */
export function formatInstant(
  instant: string | Date | null | undefined,
  timeZone: string,
  opts: { seconds?: boolean; zone?: boolean } = {},
): string {
  if (instant == null || instant === "") return "—";
  const d = toDate(instant);
  if (!d) return String(instant);
  const w = wallOf(d.getTime(), timeZone);
  const s = opts.seconds ? `:${pad(w.second)}` : "";
  const z = opts.zone === false ? "" : ` ${timeZone}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}${s}${z}`;
}

/** The calendar date of an instant in `timeZone`: "2026-03-01". */
export function formatDate(instant: string | Date, timeZone: string): string {
  const d = toDate(instant);
  if (!d) return String(instant);
  const w = wallOf(d.getTime(), timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}
