// ISO 8601 date-times as AGS 2.0 takes them (§3.2.12–14 line item dates, §3.4.9 score timestamps): a date,
// a time with an optional fraction, and a time zone (Z or ±hh:mm). Pure.

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * The instant of an ISO 8601 date-time with a zone, as UTC with nine fraction digits
 * ("2026-05-01T10:00:00.123400000Z"), so that two of them compare as strings in time order, to the
 * nanosecond (a Date keeps milliseconds only). Undefined when the text is not such a date-time.
 */
export function normaliseTimestamp(value: string): string | undefined {
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  const utc = new Date(local - offsetMinutes * 60_000);
  if (Number.isNaN(utc.getTime())) return undefined;
  return `${utc.toISOString().slice(0, 19)}.${frac.padEnd(9, "0")}Z`;
}

/** Whether a text is an ISO 8601 date-time with a zone. */
export const isIsoDateTime = (value: string): boolean => normaliseTimestamp(value) !== undefined;
