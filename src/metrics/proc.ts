// CPU time and resident memory of a set of processes (an app's tree), read from /proc when asked: at a
// scrape or a status request, never on a timer.
import { readFileSync } from "node:fs";

/** Linux reports CPU times in USER_HZ ticks: 100 per second on every architecture, whatever the kernel's HZ. */
const TICKS_PER_SECOND = 100;

export interface Usage {
  /** User + system CPU of the processes, including their children that have exited and been waited for. */
  cpuSeconds: number;
  /** Sum of their resident set sizes (pages shared between them are counted once per process, as `ps` does). */
  residentBytes: number;
  /** How many of the processes were still there. */
  processes: number;
}

/** The processes' usage; processes that are gone are skipped. Without /proc: zero. */
export function readUsage(pids: readonly number[]): Usage {
  let ticks = 0;
  let pages = 0;
  let processes = 0;
  for (const pid of pids) {
    const cpu = cpuTicks(pid);
    if (cpu === undefined) continue;
    ticks += cpu;
    pages += residentPages(pid) ?? 0;
    processes += 1;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, residentBytes: pages * pageSize(), processes };
}

function cpuTicks(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid … utime stime cutime cstime …": comm may hold spaces and ")", so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17.
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

function residentPages(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, "latin1").split(" ")[1]);
  } catch {
    return undefined;
  }
}

let pageBytes: number | undefined;
/**
 * The kernel's page size (4 KiB on x86-64, 4-64 KiB on arm64). Node has no API for it, but its own RSS in bytes
 * (process.memoryUsage) over its RSS in pages (statm) is it, give or take pages touched in between: rounded to a
 * power of two.
 */
function pageSize(): number {
  if (pageBytes !== undefined) return pageBytes;
  const pages = residentPages(process.pid);
  const ratio = pages ? process.memoryUsage.rss() / pages : 4096;
  pageBytes = 2 ** Math.round(Math.log2(ratio));
  return pageBytes;
}

/**
 * An app's CPU seconds as a counter over zoo's lifetime. Each run's tree starts from zero, so the last reading of
 * a run is banked when the next run begins (what the old run used after that reading is lost); within a run the
 * value never goes down (a child that has exited but is not yet waited for drops out of the sum for a moment).
 */
export class CpuCounter {
  #banked = 0;
  #run: unknown;
  #last = 0;

  /** `run` identifies the app's current run (e.g. its start time); `seconds` is that run's CPU so far. */
  read(run: unknown, seconds: number): number {
    if (run !== this.#run) {
      this.#banked += this.#last;
      this.#run = run;
      this.#last = 0;
    }
    this.#last = Math.max(this.#last, seconds);
    return this.#banked + this.#last;
  }
}
