// What a figure was measured on: the machine (cores, CPU model, Node.js), how busy it was, and the CPU
// time the server's process used, from /proc.
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

/** The server's CPU time so far (user + system, ms), from /proc; undefined where /proc is unavailable. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  /** The 1-minute load average when the bench started. */
  load: number;
}

/** The first "model name" of a /proc/cpuinfo text, without trade marks and repeated spaces. */
export function cpuModel(cpuinfo: string): string {
  const line = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  return line
    .replace(/\((R|TM|tm)\)/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

export function machine(): Machine {
  let info = "";
  try {
    info = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    /* not Linux: the model stays unknown */
  }
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel(info),
    node: process.version,
    load: loadavg()[0] ?? 0,
  };
}

/** One line, e.g. "2 cores, AMD EPYC, Node v24.22.3". */
export function describeMachine(m: Machine): string {
  return `${m.cores} cores, ${m.cpuModel}, Node ${m.node}`;
}
