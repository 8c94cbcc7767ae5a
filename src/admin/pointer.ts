// Where the zoo started from a config file keeps its control socket, for when the file cannot say: `zoo reload`
// after the file moved `listen` or `control`, or of a file too broken to read. A symlink in zoo's user's control
// directory (socket-dir.ts), named after the config file's path, to the socket.
import { readlinkSync, rmSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { controlDirs, ensurePrivateDir } from "./socket-dir.ts";

function pointerPath(configFile: string, dir = controlDirs()[0]): string {
  return join(dir, `zoo-config-${pathHash(configFile)}.sock`);
}

/**
 * 64 bits (FNV-1a twice, two seeds): enough to tell a user's config files apart. Not node:crypto, whose first hash
 * sets up OpenSSL's digests (2.5 MB in an empty Node process; with the other two uses gone, 0.5 MB of an idle zoo).
 */
function pathHash(text: string): string {
  const fnv1a = (seed: number) => {
    let hash = seed;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    return (hash >>> 0).toString(16).padStart(8, "0");
  };
  return fnv1a(0x811c9dc5) + fnv1a(0x2f5e1a63);
}

/** Best effort: without a pointer, commands find zoo from the config file as before. */
export function pointTo(configFile: string, socketPath: string): void {
  const pointer = pointerPath(configFile);
  try {
    ensurePrivateDir(controlDirs()[0]);
    rmSync(pointer, { force: true });
    symlinkSync(socketPath, pointer);
  } catch {}
}

/** Only the pointer to this zoo's own socket: a second zoo from the same file may have taken it over. */
export function removePointer(configFile: string, socketPath: string): void {
  const pointer = pointerPath(configFile);
  try {
    if (readlinkSync(pointer) === socketPath) unlinkSync(pointer);
  } catch {}
}

/** The control socket of a zoo running `configFile`, when there is one and it is this user's. */
export function runningZooOf(configFile: string): string | undefined {
  for (const dir of controlDirs()) {
    const pointer = pointerPath(configFile, dir);
    try {
      const socket = statSync(pointer);
      if (socket.isSocket() && socket.uid === process.getuid?.()) return pointer;
    } catch {}
  }
  return undefined;
}
