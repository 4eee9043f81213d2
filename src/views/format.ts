// Small presentation helpers shared by the site admin pages.

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
