// Small presentation helpers shared by the site admin pages.

/** "2026-01-01 12:00 UTC" from an ISO time, or a dash. */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "every 5 min", "every 24 h". */
export function formatInterval(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 86400 * 2) return `every ${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `every ${seconds / 3600} h`;
  if (seconds % 60 === 0) return `every ${seconds / 60} min`;
  return `every ${seconds} s`;
}

/** Number of pages for `total` rows, at least one. */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}
