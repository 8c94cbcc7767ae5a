// Where the zoo started from a config file keeps its control socket, for when the file cannot say: `zoo reload`
// after the file moved `listen` or `control`, or of a file too broken to read. A symlink in the temp directory,
// named after the config file's path, to the socket.
import { createHash } from "node:crypto";
import { readlinkSync, rmSync, statSync, symlinkSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function pointerPath(configFile: string): string {
  return join(tmpdir(), `zoo-config-${createHash("sha256").update(configFile).digest("hex").slice(0, 16)}.sock`);
}

/** Best effort: without a pointer, commands find zoo from the config file as before. */
export function pointTo(configFile: string, socketPath: string): void {
  const pointer = pointerPath(configFile);
  try {
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
  const pointer = pointerPath(configFile);
  try {
    const socket = statSync(pointer);
    return socket.isSocket() && socket.uid === process.getuid?.() ? pointer : undefined;
  } catch {
    return undefined;
  }
}
