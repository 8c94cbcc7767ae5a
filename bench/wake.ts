// Wake latency of a sleeping (lazy) app: how long the first request takes, minus the time the app itself
// needs to open its port. Target: overhead ≤ 50 ms.
//   node bench/wake.ts [--wakes N]        prints the medians as JSON
// From run.ts: `const wake = await measureWake({ wakes: 10 })` → { wakeMs, appOpenMs, overheadMs, wakes }.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../src/supervisor/ports.ts";
import { median } from "./median.ts";

const REPO = resolve(import.meta.dirname, "..");
/** Listens on $PORT and prints "listening on PORT" once it does. */
const APP = join(REPO, "fixtures", "supervisor", "server.js");

export interface WakeResult {
  /** Median time from sending the first request to a sleeping app to its complete answer. */
  wakeMs: number;
  /** Median time from spawning the app directly to it saying it listens. */
  appOpenMs: number;
  /** wakeMs − appOpenMs: what zoo adds (spawning through it, probing, holding, proxying). */
  overheadMs: number;
  wakes: number;
}

export async function measureWake(options: { wakes?: number; cli?: string } = {}): Promise<WakeResult> {
  const { wakes = 10, cli = process.env.BENCH_ZOO_CLI ?? join(REPO, "src", "cli.ts") } = options;
  const dir = mkdtempSync(join(tmpdir(), "zoo-wake-"));
  const config = join(dir, "zoo.config.json");
  writeFileSync(
    config,
    JSON.stringify({
      logFormat: "text",
      apps: { app: { command: [process.execPath, APP], lazy: true, idleTimeout: "100ms", stopTimeout: "2s" } },
      routes: { "/": "app" },
    }),
  );
  const port = await freePort();
  const zoo = spawn(process.execPath, [cli, "start", "--config", config, "--listen", `127.0.0.1:${port}`], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = watch(zoo);
  try {
    const wakeTimes: number[] = [];
    const openTimes: number[] = [];
    for (let i = 0; i < wakes; i++) {
      // Asleep again: at boot (lazy), then after each wake's idleTimeout.
      await output.until(() => (output.text().match(/app: sleeping/g)?.length ?? 0) > i);
      const started = performance.now();
      const status = await request(`http://127.0.0.1:${port}/`);
      wakeTimes.push(performance.now() - started);
      if (status !== 200) throw new Error(`wake ${i + 1}: status ${status}\n${output.text()}`);
      openTimes.push(await appOpenTime());
    }
    const wakeMs = median(wakeTimes)!;
    const appOpenMs = median(openTimes)!;
    return { wakeMs: round(wakeMs), appOpenMs: round(appOpenMs), overheadMs: round(wakeMs - appOpenMs), wakes };
  } finally {
    zoo.kill("SIGTERM");
    if (zoo.exitCode === null && zoo.signalCode === null) await once(zoo, "exit");
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Spawns the app directly (no zoo) and times it until it says it listens. */
async function appOpenTime(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const app = spawn(process.execPath, [APP], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "pipe", "inherit"] });
  const output = watch(app);
  try {
    await output.until(() => output.text().includes("listening on"));
    return performance.now() - started;
  } finally {
    app.kill("SIGKILL");
    if (app.exitCode === null && app.signalCode === null) await once(app, "exit");
  }
}

/** Collects a child's output; until() resolves when a condition on it holds (15 s at most). */
function watch(child: ChildProcess) {
  let text = "";
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk;
    for (const check of waiters) check();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  return {
    text: () => text,
    until: (condition: () => boolean) =>
      new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out; output so far:\n${text}`)), 15_000);
        const check = () => condition() && done();
        const done = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolvePromise();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** One GET on a fresh connection; resolves with the status once the body is read. */
function request(url: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolvePromise(res.statusCode ?? 0));
      res.on("error", reject);
    }).on("error", reject);
  });
}



const round = (ms: number) => Math.round(ms * 10) / 10;

if (import.meta.main) {
  const { values } = parseArgs({ options: { wakes: { type: "string", default: "10" } } });
  const result = await measureWake({ wakes: Math.max(1, Number(values.wakes)) });
  console.log(JSON.stringify(result));
  console.log(`wake overhead ${result.overheadMs} ms over the app's own ${result.appOpenMs} ms (target ≤ 50 ms): ${result.overheadMs <= 50 ? "met" : "NOT met"}`);
}
