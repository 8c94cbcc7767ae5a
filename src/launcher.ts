// zoo started by npm (`npm start`, `npx zoo start`): what that changes about signals and about its parent.
//
// npm runs every script and every `npx` command through `sh -c`, and forwards the SIGINT and SIGTERM it receives
// to that shell only. dash does not pass them on, so a SIGTERM to npm ends npm and its shell and left zoo and its
// apps running, reparented. With the shell replaced by zoo (`exec` in the script), npm's forward reaches zoo, but a
// Ctrl-C reaches zoo twice: once from the terminal (to the whole process group), once forwarded by npm.
import { readFileSync } from "node:fs";

export interface Launch {
  /** zoo's own parent is npm (a script that `exec`s zoo): npm forwards to zoo the signals the group also gets. */
  parentIsNpm: boolean;
  /** zoo's parent is npm, or the shell npm runs it through (npx): when that parent goes, npm is stopping. */
  startedByNpm: boolean;
}

export function detectLaunch(env: NodeJS.ProcessEnv = process.env, ppid = process.ppid): Launch {
  if (env.npm_command === undefined) return { parentIsNpm: false, startedByNpm: false };
  const parentIsNpm = isNpm(ppid);
  return { parentIsNpm, startedByNpm: parentIsNpm || (commandLineOf(ppid).startsWith("sh -c ") && isNpm(parentOf(ppid))) };
}

/** npm names its process "npm run start", "npm exec zoo start". */
function isNpm(pid: number | undefined): boolean {
  return pid !== undefined && commandLineOf(pid).startsWith("npm ");
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** From /proc/PID/stat: "pid (comm) state ppid …", where comm may hold spaces and ")". */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** A stop signal npm forwards arrives within this long of the terminal's own. */
export const FORWARDED_WITHIN_MS = 1000;

/**
 * Calls onGone once when the process that started zoo has gone (zoo was reparented): npm's shell, which a SIGTERM
 * to npm ends without telling zoo. Returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
