// Where the control socket lives and who may use it. By default it is in a directory of zoo's own user, mode 0700
// ($XDG_RUNTIME_DIR, else <tmpdir>/zoo-<uid>/), so no other user can bind its name first; it is bound under a 077
// umask, so it is never connectable by others, not even for a moment; and the CLI talks only to a socket that
// belongs to its own user or to root.
import { lstatSync, mkdirSync, statSync } from "node:fs";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";

const uid = (): number => process.getuid?.() ?? 0;

/**
 * The directories a default control socket may be in, in order: $XDG_RUNTIME_DIR when it is this user's (a shell
 * after `su` may still name another user's), then <tmpdir>/zoo-<uid>. zoo binds in the first; a command looks in both.
 */
export function controlDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const runtime = env.XDG_RUNTIME_DIR;
  const fallback = join(tmpdir(), `zoo-${uid()}`);
  return runtime && isAbsolute(runtime) && ownedDirectory(runtime) ? [runtime, fallback] : [fallback];
}

function ownedDirectory(dir: string): boolean {
  try {
    const info = statSync(dir);
    return info.isDirectory() && info.uid === uid();
  } catch {
    return false;
  }
}

/** True when `path` is a default socket path, in a directory zoo creates and checks itself. */
export function inControlDir(path: string): boolean {
  return controlDirs().includes(dirname(path));
}

/**
 * Creates `dir` with mode 0700 when it does not exist. Throws, with what to do, when it is not a real directory of
 * this user's or when others may write in it: another user could then put a socket of theirs in zoo's place.
 */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const info = lstatSync(dir);
  const problem = !info.isDirectory()
    ? "is not a directory"
    : info.uid !== uid()
      ? `belongs to uid ${info.uid}, not to zoo's user (uid ${uid()})`
      : (info.mode & 0o022) !== 0
        ? `is writable by ${info.mode & 0o002 ? "every user" : "its group"} (mode ${(info.mode & 0o777).toString(8)})`
        : undefined;
  if (problem) throw new Error(`refusing the control directory ${dir}: it ${problem}; remove it, or set \`control\` to a path in a directory only zoo's user can write`);
}

/** Binds `server` to the unix socket `path` under a 177 umask: the socket is created 0600, with no window. */
export function listenPrivately(server: Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A primary process binds a unix socket synchronously inside listen(): the umask is back before anything else runs.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

/**
 * Why the CLI must not talk to the socket at `path`, or undefined when it may (or when there is nothing there: the
 * connection then fails as "not running"). Only this user's sockets and root's are trusted.
 */
export function untrustedSocket(path: string): string | undefined {
  let owner: number;
  try {
    owner = statSync(path).uid;
  } catch {
    return undefined;
  }
  if (owner === uid() || owner === 0) return undefined;
  return `refusing to talk to the control socket ${path}: it belongs to uid ${owner}, not to you (uid ${uid()}) or root, so it may not be zoo's (remove it, or set \`control\` to a path only zoo's user can write)`;
}
