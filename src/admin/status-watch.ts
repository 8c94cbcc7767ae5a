// `zoo status --watch`: the status every second. On a terminal the table is redrawn in place (clear + draw);
// otherwise each reading is appended as plain lines under a time stamp (with --json: one JSON object per line).
import { setTimeout as sleep } from "node:timers/promises";
import { controlSocketOf, formatStatus, get, notRunning, untilInterrupted, type ClientOptions, type EarlierStatus } from "./client.ts";
import { statusJson } from "./json.ts";
import type { ControlStatus } from "./status.ts";

/** Cursor home, then erase the screen: the next frame is drawn over the last one. */
const CLEAR = "\x1b[H\x1b[2J";

export interface WatchOptions extends ClientOptions {
  intervalMs?: number;
  /** Stops the loop (the CLI runs until interrupted). */
  signal?: AbortSignal;
}

export async function watch(options: WatchOptions = {}): Promise<number> {
  const { out = process.stdout, intervalMs = 1000 } = options;
  // Before connecting, as logs -f does: a Ctrl-C at any point ends the watch with exit 0.
  const signal = options.signal ?? untilInterrupted();
  const socketPath = await controlSocketOf(options);
  if (typeof socketPath === "number") return socketPath;
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  let earlier: EarlierStatus | undefined;

  while (!signal?.aborted) {
    const started = Date.now();
    let body: string;
    try {
      const status = JSON.parse(await get(socketPath, "/status")) as ControlStatus;
      const now = Date.now();
      body = options.json ? JSON.stringify({ time: new Date(now).toISOString(), ...statusJson(status) }) + "\n" : formatStatus(status, now, { earlier });
      earlier = { status, at: now };
    } catch (error) {
      // zoo may be restarting: say so and keep watching.
      body = options.json ? JSON.stringify({ time: new Date().toISOString(), error: notRunning(socketPath, error).trim() }) + "\n" : notRunning(socketPath, error);
      earlier = undefined;
    }
    const stamp = `${new Date(started).toISOString().replace("T", " ").slice(0, 19)}Z`;
    if (options.json) out.write(body);
    else if (tty) out.write(`${CLEAR}zoo status, every ${intervalMs / 1000}s: ${stamp} (Ctrl-C to stop)\n\n${body}`);
    else out.write(`--- ${stamp}\n${body}`);
    await sleep(Math.max(0, started + intervalMs - Date.now()), undefined, { signal }).catch(() => {});
  }
  return 0;
}
