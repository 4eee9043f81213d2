// Log lines for a person at a terminal. pino writes each entry here as its JSON line, after the
// redaction (so a secret is as hidden here as in the JSON), and this prints it as
//   14:02:07.118 INFO  request completed GET /course/3 200 4.1ms reqId=req-1
// Text that is not pino JSON passes through unchanged.

export interface LineSink {
  write(text: string): unknown;
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Always in the JSON and said by the line's shape, or of no use to a reader. */
const SHOWN_APART = new Set(["level", "time", "msg", "pid", "hostname", "req", "res", "responseTime", "err"]);

function clockTime(time: unknown): string {
  const d = typeof time === "number" ? new Date(time) : new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON entry as a readable line (with an error's stack on the lines below). */
export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return `${json}\n`;
    entry = parsed as Record<string, unknown>;
  } catch {
    return `${json}\n`;
  }
  const level = typeof entry.level === "number" ? (LEVELS[entry.level] ?? String(entry.level)) : "INFO";
  const parts = [clockTime(entry.time), level.padEnd(5), String(entry.msg ?? "")];
  const req = entry.req as { method?: unknown; url?: unknown } | undefined;
  if (req && typeof req === "object") parts.push(`${String(req.method ?? "")} ${String(req.url ?? "")}`);
  const res = entry.res as { statusCode?: unknown } | undefined;
  if (res && typeof res === "object" && res.statusCode !== undefined) parts.push(String(res.statusCode));
  if (typeof entry.responseTime === "number") parts.push(`${entry.responseTime.toFixed(1)}ms`);
  for (const [k, v] of Object.entries(entry)) if (!SHOWN_APART.has(k)) parts.push(`${k}=${value(v)}`);
  let line = parts.filter(Boolean).join(" ");
  const err = entry.err as { stack?: unknown; message?: unknown } | undefined;
  if (err && typeof err === "object") {
    const detail = typeof err.stack === "string" ? err.stack : String(err.message ?? "");
    for (const l of detail.split("\n")) line += `\n    ${l.trim()}`;
  }
  return `${line}\n`;
}

/** A pino destination that writes readable lines to `out`. */
export function readableLines(out: LineSink): { write(json: string): void } {
  return {
    write(json: string) {
      // pino hands over one entry per call, ending in a newline.
      out.write(formatLogLine(json.replace(/\n$/, "")));
    },
  };
}
