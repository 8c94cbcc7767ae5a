// Starting processes. Each app runs in its own process group (detached), with no shell unless asked, stdin ignored,
// and output streamed (never buffered). Node's child_process does all of it; execa did too, with every feature of its
// own turned off, and cost a running zoo 18 MB of RSS only by being imported (README, "Memory").
import { spawn, type ChildProcess } from "node:child_process";
import { stat } from "node:fs/promises";
import { isOutOfDescriptors } from "../descriptors.ts";
import { hasProc, ProcessTree, RUN_TAG_VARIABLE, type ProcInfo } from "./proctree.ts";

export interface SpawnOptions {
  command: string[];
  cwd: string;
  /** Merged over zoo's own environment. */
  env: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  pid: number;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves when the process itself exits (its descendants may live on and keep its output open). */
  exited: Promise<Exit>;
}

/** Every process of one run of an app: its root and the descendants found so far. */
export interface RunProcesses {
  /** Looks for new descendants in `table` (a read of /proc), so they stay known after their parent exits. */
  refresh(table?: ProcInfo[]): boolean;
  /** The pids known now, without looking again. */
  known(): number[];
  /** The pids alive now (after a fresh look). */
  alive(): number[];
  isAlive(): boolean;
  /** To every process of the run. */
  signal(signal: NodeJS.Signals): void;
  /** To the root's process group only. */
  signalGroup(signal: NodeJS.Signals): void;
}

/** An app's process as the supervisor runs it. */
export interface AppProcess extends RunningProcess {
  processes: RunProcesses;
}

/** Starts an app's process; rejects with a SpawnError when it cannot run at all. Tests inject their own. */
export interface Spawner {
  spawn(options: SpawnOptions): Promise<AppProcess>;
}

/**
 * A tag no other run of any zoo on this machine has, now or before: zoo's pid and start time, a count, a random part.
 * Not crypto.randomUUID(): its first call sets up OpenSSL's random generator (2.3 MB in an empty Node process).
 */
const TAG_PREFIX = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
let tagsMade = 0;
function runTag(): string {
  tagsMade += 1;
  return `${TAG_PREFIX}-${tagsMade.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Real processes: each run tagged (RUN_TAG_VARIABLE) so that daemons which escape the tree are still found. */
export const realSpawner: Spawner = {
  async spawn(options) {
    const tag = runTag();
    const child = await spawnProcess({ ...options, env: { ...options.env, [RUN_TAG_VARIABLE]: tag } });
    return { ...child, processes: new ProcessTree(child.pid, tag) };
  },
};

/** Why a process could not be started, as one line a person can act on. */
export class SpawnError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "SpawnError";
    this.code = code;
  }
}

/** How to install commands people often forget in their image. */
const INSTALL_HINTS: Record<string, string> = {
  uvicorn: "apt-get install python3-uvicorn python3-fastapi",
  gunicorn: "apt-get install gunicorn",
  python: "apt-get install python3",
  python3: "apt-get install python3",
  pip: "apt-get install python3-pip",
  go: "apt-get install golang-go",
  node: "apt-get install nodejs",
  npm: "apt-get install npm",
  npx: "apt-get install npm",
  ruby: "apt-get install ruby",
  php: "apt-get install php-cli",
  java: "apt-get install default-jre-headless",
  nginx: "apt-get install nginx-light",
  curl: "apt-get install curl",
};

export function installHint(command: string): string | undefined {
  return INSTALL_HINTS[command.split("/").pop() ?? command];
}

export function describeSpawnError(error: NodeJS.ErrnoException, file: string, cwd: string): string {
  const where = file.includes("/") ? `(looked in ${cwd})` : "(looked in PATH)";
  switch (error.code) {
    case "ENOENT": {
      const hint = installHint(file);
      return `command not found: ${file} ${where}${hint ? `; install it with: ${hint}` : ""}`;
    }
    case "EACCES":
      return `permission denied: ${file} is not executable`;
    case "E2BIG":
      return `cannot start ${file}: its arguments and environment are too large for the kernel (E2BIG: one value over 128 KiB, or all together over the limit)`;
    default:
      return `cannot start ${file}: ${error.code ?? error.message}`;
  }
}

async function checkCwd(cwd: string): Promise<void> {
  const info = await stat(cwd).catch(() => undefined);
  if (!info) throw new SpawnError(`working directory does not exist: ${cwd}`, "ENOENT");
  if (!info.isDirectory()) throw new SpawnError(`working directory is not a directory: ${cwd}`, "ENOTDIR");
}

/**
 * Starts the command. A start the kernel refuses outright (E2BIG: an environment or argument over its limits) throws
 * here; a missing or unrunnable command (ENOENT, EACCES) and running out of descriptors come as an "error" event.
 */
function launch(options: SpawnOptions, output: "pipe" | "ignore"): ChildProcess {
  const [file, ...args] = options.command;
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", output, output],
    detached: true, // a new process group, so signals reach the app's children too
  });
  // A later error (a signal that cannot be sent) must not become an uncaught "error" event.
  child.on("error", () => {});
  return child;
}

/** Starts an app's process; rejects with a SpawnError when it cannot run at all. */
export async function spawnProcess(options: SpawnOptions): Promise<RunningProcess> {
  await checkCwd(options.cwd);
  const failure = (error: NodeJS.ErrnoException) => new SpawnError(describeSpawnError(error, options.command[0], options.cwd), error.code);
  let child: ChildProcess;
  try {
    child = launch(options, "pipe");
  } catch (error) {
    throw failure(error as NodeJS.ErrnoException);
  }
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error) => reject(failure(error)));
  });
  return { pid: child.pid!, stdout: child.stdout!, stderr: child.stderr!, exited };
}

/**
 * Runs a short command (an exec probe) to completion and reports whether it exited 0. On timeout,
 * or when `signal` aborts (the app's run ended), its whole process group is killed.
 */
export async function runCommand(options: SpawnOptions & { timeoutMs: number; signal?: AbortSignal }): Promise<{ ok: boolean; detail: string; skipped?: boolean }> {
  try {
    await checkCwd(options.cwd);
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  // Tagged like an app's run, so that a child that left the probe's group (setsid) is found and killed too.
  const tag = runTag();
  const failed = (error: NodeJS.ErrnoException) => ({
    ok: false,
    detail: describeSpawnError(error, options.command[0], options.cwd),
    ...(isOutOfDescriptors(error) && { skipped: true }),
  });
  let child: ChildProcess;
  try {
    child = launch({ ...options, env: { ...options.env, [RUN_TAG_VARIABLE]: tag } }, "ignore");
  } catch (error) {
    return failed(error as NodeJS.ErrnoException);
  }
  const tree = child.pid && hasProc ? new ProcessTree(child.pid, tag) : undefined;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  const timer = setTimeout(killGroup, options.timeoutMs);
  options.signal?.addEventListener("abort", killGroup, { once: true });
  if (options.signal?.aborted) killGroup();
  try {
    const result = await new Promise<{ ok: boolean; detail: string; skipped?: boolean }>((resolve) => {
      child.once("error", (error) => resolve(failed(error)));
      child.once("exit", (code, signal) => {
        if (code === 0) resolve({ ok: true, detail: "exit code 0" });
        else if (signal === "SIGKILL") resolve({ ok: false, detail: `timed out after ${options.timeoutMs}ms` });
        else resolve({ ok: false, detail: signal ? `killed by ${signal}` : `exit code ${code}` });
      });
    });
    return result;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", killGroup);
    // Leftovers of the probe's group, if any, and its descendants elsewhere.
    killGroup();
    tree?.signal("SIGKILL");
  }
}
