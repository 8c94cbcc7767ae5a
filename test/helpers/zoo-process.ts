// Start the real zoo CLI as a child process and watch its output.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export { freePort } from "../../src/supervisor/ports.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(ROOT, "src/cli.ts");

export interface ZooProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the output once it matches; rejects at the deadline or if zoo exits first. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `command` replaces `node src/cli.ts` (the single executable, say); `prefix` goes before it. */
export function startZoo(args: string[], options: { prefix?: string[]; command?: string[]; env?: NodeJS.ProcessEnv; cwd?: string } = {}): ZooProcess {
  const argv = [...(options.prefix ?? []), ...(options.command ?? [process.execPath, CLI]), ...args];
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = once(child, "exit").then(([code, signal]) => ({ code, signal })) as ZooProcess["exited"];
  let done = false;
  void exited.then(() => {
    done = true;
    for (const wake of waiters) wake();
  });

  const waitFor = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}; output:\n${text}`)), timeoutMs);
      const check = () => {
        const match = text.match(pattern);
        if (match) return finish(undefined, match[0]);
        if (done) finish(new Error(`zoo exited before ${pattern}; output:\n${text}`));
      };
      const finish = (error?: Error, value?: string) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolvePromise(value!);
      };
      waiters.add(check);
      check();
    });

  return { child, output: () => text, waitFor, exited };
}

/**
 * The port a zoo started with `--listen 127.0.0.1:0` listens on, from its "listening on" line. A port picked free
 * beforehand can be taken by another test before zoo binds it.
 */
export async function listeningPort(zoo: ZooProcess): Promise<number> {
  const line = await zoo.waitFor(/listening on http:\/\/\S+:\d+/);
  return Number(/:(\d+)$/.exec(line)![1]);
}

/**
 * Stops a zoo a test started, if it still runs: SIGTERM, so it stops its apps; if it has not exited after `graceMs`,
 * SIGKILL to it. Whatever was below it and outlived it (zoo behind a prefix such as unshare, which does not forward
 * signals) is killed too. For t.after: a bare SIGKILL to zoo would orphan its apps.
 */
export async function stopZoo(zoo: ZooProcess, graceMs = 8000): Promise<void> {
  if (zoo.child.exitCode !== null || zoo.child.signalCode !== null) return;
  const below = descendantsOf(zoo.child.pid!);
  zoo.child.kill("SIGTERM");
  const timer = setTimeout(() => zoo.child.kill("SIGKILL"), graceMs);
  await zoo.exited;
  clearTimeout(timer);
  for (const pid of below.filter(isAlive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

export function tempConfig(config: unknown, files: Record<string, string> = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "zoo-test-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const file = join(dir, "zoo.config.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, file };
}


/** Every process below `pid`, found by walking /proc parent links. */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readProcDir()) {
    const stat = readStat(entry);
    if (stat) parents.set(entry, stat.ppid);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

function readProcDir(): number[] {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}
