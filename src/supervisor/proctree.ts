// Finding every process an app started, including those that left its process group (setsid) or were
// orphaned when their parent exited. On Linux we read /proc; a tracker refreshes each app's set while it
// runs, so a grandchild is still known after its parent is gone. Elsewhere we fall back to tree-kill
// (which needs `ps`/`pgrep`; without them it would throw an uncaught ENOENT, so we check first).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import treeKill from "tree-kill";
import { isOutOfDescriptors } from "../descriptors.ts";

export const hasProc = existsSync("/proc/self/stat");

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, it identifies a process (pids are reused). */
  start: string;
  state: string;
}

function parseStat(text: string): ProcInfo | undefined {
  // "pid (comm) state ppid pgrp session … starttime …"; comm may contain spaces and parentheses.
  const close = text.lastIndexOf(")");
  if (close === -1) return undefined;
  const fields = text.slice(close + 2).split(" ");
  return {
    pid: Number.parseInt(text, 10),
    state: fields[0],
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    start: fields[19],
  };
}

/** undefined: the process is gone. Out of descriptors, it throws: that says nothing about the process. */
function readStat(pid: number): ProcInfo | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch (error) {
    if (isOutOfDescriptors(error)) throw error;
    return undefined;
  }
}

/**
 * Every process on the machine (as far as /proc shows); undefined when zoo is out of file descriptors and cannot
 * look now (a process missing from a partial table would count as gone).
 */
export function readProcessTable(): ProcInfo[] | undefined {
  if (!hasProc) return [];
  const table: ProcInfo[] = [];
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const info = readStat(Number(entry));
      if (info) table.push(info);
    }
  } catch (error) {
    if (isOutOfDescriptors(error)) return undefined;
    throw error;
  }
  return table;
}

const isDead = (info: ProcInfo | undefined) => !info || info.state === "Z" || info.state === "X";

/** The environment variable that marks every process of one run (see ProcessTree's `tag`). */
export const RUN_TAG_VARIABLE = "ZOO_RUN";

/** Whether the process's environment (as it was at exec) has `entry` ("NAME=value"). */
function hasEnvEntry(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(entry);
  } catch {
    return false; // gone, or another user's
  }
}

/**
 * The processes of one app: its root process, everything in the root's process group, every
 * descendant of any process already known (found again on each refresh), and, with a `tag`, every
 * process started since the root whose environment carries it (RUN_TAG_VARIABLE=tag): a daemon that
 * forked, called setsid and lost its parent before any refresh saw it is still found that way.
 */
export class ProcessTree {
  readonly root: number;
  /** pid → start time */
  readonly #members = new Map<number, string>();
  readonly #tagEntry: string | undefined;
  readonly #rootStart: number;

  constructor(root: number, tag?: string) {
    this.root = root;
    this.#tagEntry = tag === undefined ? undefined : `${RUN_TAG_VARIABLE}=${tag}`;
    let info: ProcInfo | undefined;
    let unread = false;
    try {
      info = readStat(root);
    } catch {
      unread = true; // out of descriptors: known by its pid alone until a refresh reads its start time
    }
    if (info) this.#members.set(root, info.start);
    else if (unread) this.#members.set(root, "");
    this.#rootStart = info ? Number(info.start) : 0;
  }

  /**
   * Adds new descendants and group members, and forgets processes that are gone; true when the set changed. Without
   * a table (zoo is out of file descriptors), the set stays as it is until a later refresh.
   */
  refresh(table: ProcInfo[] | undefined = readProcessTable()): boolean {
    if (table === undefined) return false;
    const before = this.#members.size;
    let removed = false;
    const byPid = new Map(table.map((p) => [p.pid, p]));
    for (const [pid, start] of this.#members) {
      const info = byPid.get(pid);
      // A start time of "" (read failed at spawn) is learned now.
      if (!isDead(info) && start === "") this.#members.set(pid, info!.start);
      else if (isDead(info) || info!.start !== start) removed = this.#members.delete(pid);
    }
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of table) {
        if (isDead(p) || this.#members.has(p.pid)) continue;
        if (p.pgid === this.root || this.#members.has(p.ppid)) {
          this.#members.set(p.pid, p.start);
          grew = true;
        }
      }
    }
    if (this.#tagEntry !== undefined) {
      for (const p of table) {
        if (isDead(p) || this.#members.has(p.pid) || p.pid === process.pid || Number(p.start) < this.#rootStart) continue;
        if (hasEnvEntry(p.pid, this.#tagEntry)) this.#members.set(p.pid, p.start);
      }
    }
    return removed || this.#members.size !== before;
  }

  /** The processes known now (as of the last refresh), without looking at /proc again. */
  known(): number[] {
    return [...this.#members.keys()];
  }

  /** Live processes of the tree (after a fresh look at /proc). */
  alive(): number[] {
    this.refresh();
    return [...this.#members.keys()];
  }

  /** Sends `signal` to the root's process group and to every known process of the tree. */
  signal(signal: NodeJS.Signals): void {
    if (!hasProc) {
      if (canTreeKill()) treeKill(this.root, signal, () => {});
      this.signalGroup(signal);
      return;
    }
    // Look first: once the root dies, its children's parent link to the tree is gone.
    const members = this.alive();
    this.signalGroup(signal);
    for (const pid of members) {
      try {
        process.kill(pid, signal);
      } catch {
        // Exited meanwhile.
      }
    }
  }

  /** Sends `signal` to the root's process group only (e.g. a forwarded SIGUSR1). */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.root, signal);
    } catch {
      // The group is gone (or empty): members elsewhere are signalled one by one.
    }
  }

  /** Whether any process of the tree is still alive. Without /proc: whether the group still exists. */
  isAlive(): boolean {
    if (hasProc) return this.alive().length > 0;
    try {
      process.kill(-this.root, 0);
      return true;
    } catch {
      return false;
    }
  }
}

let treeKillUsable: boolean | undefined;
function canTreeKill(): boolean {
  const tool = process.platform === "darwin" ? "pgrep" : "ps";
  treeKillUsable ??= (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, tool)));
  return treeKillUsable;
}
