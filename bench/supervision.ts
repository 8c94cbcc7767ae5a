// zoo-only measurements, each on a fresh zoo so restart backoff starts from scratch:
// boot-to-ready, readiness lag after the app's port opens, recovery after kill -9, failed requests while
// the app restarts under load, stop time, and boot-to-ready of the repository's own zoo.config.json.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BENCH_DIR, REPO_DIR, spawnZoo, waitForUpstreamInfo, zooCli } from "./contenders.ts";
import { failedRequests, startWrk, type WrkResult } from "./load.ts";
import { descendantsOf, freePort, httpGet, isAlive, pollUntil, wallMs, type Running } from "./proc.ts";
import type { Log, Settings } from "./workloads.ts";

export const BENCH_CONFIG = join(BENCH_DIR, "zoo.bench.json");

export interface SupervisionResults {
  /** Bench config: ms from spawning zoo until /node answers. */
  boot: number[];
  /** ms from the app's port opening (its own clock) until zoo first answered on its route. */
  readinessLag: number[];
  /** ms from kill -9 of the app until its route answers again (from a new process). */
  recovery: number[];
  restartUnderLoad: { requests: number; failed: number; errors: WrkResult["errors"]; maxLatencyMs: number; offeredRps: number }[];
  /** `zoo restart` of an app whose port zoo picks, under the same load: the zero-downtime handover. */
  zooRestartUnderLoad: { requests: number; failed: number; maxLatencyMs: number; offeredRps: number }[];
  /** ms from SIGTERM to zoo's exit. */
  stop: number[];
  rootBoot: { totalMs: number; routes: Record<string, number> }[];
  rootNote?: string;
  problems: string[];
}

interface BootedZoo {
  proc: Running;
  origin: string;
  upstream: { pid: number; listeningAt: number };
}

async function bootBenchZoo(tmp: string, logName: string, out: SupervisionResults): Promise<BootedZoo> {
  const upstreamPort = await freePort();
  const started = wallMs();
  const { proc, origin } = await spawnZoo({
    configPath: BENCH_CONFIG,
    env: { BENCH_UPSTREAM_PORT: String(upstreamPort) },
    tmp,
    logName,
  });
  try {
    const upstream = await waitForUpstreamInfo(origin, 30_000, proc.exited);
    const answered = wallMs();
    out.boot.push(answered - started);
    out.readinessLag.push(answered - upstream.listeningAt);
    return { proc, origin, upstream };
  } catch (error) {
    await proc.stop(2000);
    throw new Error(`zoo did not serve /node (log: ${join(tmp, logName)}): ${(error as Error).message}`);
  }
}

/** SIGTERM zoo, time its exit, and check that it took every process it started down with it. */
export async function stopZoo(proc: Running, what: string, out: { stop: number[]; problems: string[] }): Promise<void> {
  const tree = descendantsOf(proc.pid);
  const t0 = wallMs();
  const { code, signal } = await proc.stop(12_000);
  out.stop.push(wallMs() - t0);
  if (signal === "SIGKILL") out.problems.push(`${what}: zoo did not exit within 12 s of SIGTERM and was killed`);
  else if (code !== 0) out.problems.push(`${what}: zoo exited with code ${code ?? signal} after SIGTERM`);
  const left = tree.filter(isAlive);
  if (left.length) {
    out.problems.push(`${what}: zoo exited but left ${left.length} process(es) running (pids ${left.join(", ")}); the bench killed them`);
    for (const pid of left) process.kill(pid, "SIGKILL");
  }
}

/** Waits for zoo to answer /node/info from a process other than `oldPid`. */
function waitForNewUpstream(origin: string, oldPid: number): Promise<{ pid: number; listeningAt: number }> {
  return pollUntil(
    "route answers again after kill -9",
    async () => {
      const res = await httpGet(`${origin}/node/info`, 20_000);
      if (res.status !== 200) return undefined;
      const info = JSON.parse(res.body) as { pid: number; listeningAt: number };
      return info.pid !== oldPid ? info : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 2 },
  );
}

async function recoveryRound(tmp: string, n: number, out: SupervisionResults): Promise<void> {
  const zoo = await bootBenchZoo(tmp, `zoo-recovery-${n}.log`, out);
  try {
    await sleep(300); // let zoo settle into "ready" steady state before the crash
    process.kill(zoo.upstream.pid, "SIGKILL");
    const killedAt = wallMs();
    const next = await waitForNewUpstream(zoo.origin, zoo.upstream.pid);
    const answered = wallMs();
    out.recovery.push(answered - killedAt);
    out.readinessLag.push(answered - next.listeningAt);
  } finally {
    await stopZoo(zoo.proc, "recovery", out);
  }
}

async function restartUnderLoadRound(tmp: string, n: number, s: Settings, out: SupervisionResults): Promise<void> {
  const zoo = await bootBenchZoo(tmp, `zoo-restart-load-${n}.log`, out);
  try {
    const connections = 50;
    const wrk = startWrk({
      url: `${zoo.origin}/node/`,
      connections,
      seconds: s.restartLoadSeconds,
      delayMs: s.fixedDelayMs,
      timeoutSeconds: 15,
    });
    await sleep((s.restartLoadSeconds * 1000) / 3);
    process.kill(zoo.upstream.pid, "SIGKILL");
    const r = await wrk.result;
    await waitForNewUpstream(zoo.origin, zoo.upstream.pid);
    out.restartUnderLoad.push({
      requests: r.requests,
      failed: failedRequests(r),
      errors: r.errors,
      maxLatencyMs: r.latency_us.max / 1000,
      offeredRps: (connections * 1000) / s.fixedDelayMs,
    });
  } finally {
    await stopZoo(zoo.proc, "restart under load", out);
  }
}

/** `zoo restart upstream` under a fixed-rate load: a new instance on a new port takes over, the old one drains. */
async function zooRestartUnderLoadRound(tmp: string, n: number, s: Settings, out: SupervisionResults): Promise<void> {
  const config = JSON.parse(readFileSync(BENCH_CONFIG, "utf8"));
  delete config.$schema;
  for (const app of Object.values(config.apps) as { cwd?: string; port?: unknown }[]) {
    app.cwd ??= BENCH_DIR;
    delete app.port; // zoo picks it, so a restart can run the new instance beside the old one
  }
  const configPath = join(tmp, `zoo-restart-cmd-${n}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const { proc, origin, port } = await spawnZoo({ configPath, tmp, logName: `zoo-restart-cmd-${n}.log` });
  try {
    await waitForUpstreamInfo(origin, 30_000, proc.exited);
    const connections = 50;
    const wrk = startWrk({ url: `${origin}/node/`, connections, seconds: s.restartLoadSeconds, delayMs: s.fixedDelayMs, timeoutSeconds: 15 });
    await sleep((s.restartLoadSeconds * 1000) / 3);
    const restarted = await new Promise<string>((resolve) =>
      execFile(process.execPath, [zooCli(), "restart", "upstream", "--config", configPath, "--listen", `127.0.0.1:${port}`], (error, stdout, stderr) =>
        resolve(error ? `failed: ${stderr || error.message}` : stdout.trim()),
      ),
    );
    if (restarted.startsWith("failed")) out.problems.push(`zoo restart under load: ${restarted}`);
    const r = await wrk.result;
    out.zooRestartUnderLoad.push({ requests: r.requests, failed: failedRequests(r), maxLatencyMs: r.latency_us.max / 1000, offeredRps: (connections * 1000) / s.fixedDelayMs });
  } finally {
    await stopZoo(proc, "zoo restart under load", out);
  }
}

/** Route prefixes of the root config that can answer on this machine (outside proxies cannot: no network). */
function rootRoutes(config: { routes?: Record<string, unknown> }): { prefixes: string[]; skipped: string[] } {
  const prefixes: string[] = [];
  const skipped: string[] = [];
  for (const [prefix, target] of Object.entries(config.routes ?? {})) {
    if (target && typeof target === "object" && "proxy" in target) skipped.push(prefix);
    else prefixes.push(prefix);
  }
  return { prefixes, skipped };
}

/** App ports written as "${VAR:-default}" get VAR set to a free port, so fixed defaults cannot collide. */
export async function freePortEnv(config: { apps?: Record<string, { port?: unknown }> }): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const app of Object.values(config.apps ?? {})) {
    const name = typeof app.port === "string" ? /^\$\{(\w+)(:-[^}]*)?\}$/.exec(app.port)?.[1] : undefined;
    if (name) env[name] = String(await freePort());
  }
  return env;
}

async function rootBootRound(tmp: string, n: number, out: SupervisionResults): Promise<void> {
  const configPath = join(REPO_DIR, "zoo.config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const { prefixes } = rootRoutes(config);
  const env = await freePortEnv(config);
  const started = wallMs();
  const { proc, origin } = await spawnZoo({ configPath, env, tmp, logName: `zoo-root-${n}.log` });
  const routes: Record<string, number> = {};
  try {
    // A route answers once zoo returns anything but its own "app not there" statuses.
    await Promise.all(
      prefixes.map(async (prefix) => {
        await pollUntil(
          `root config route ${prefix}`,
          async () => {
            const res = await httpGet(`${origin}${prefix}`, 20_000);
            return [502, 503, 504].includes(res.status) ? undefined : res.status;
          },
          { timeoutMs: 60_000, intervalMs: 5, exited: proc.exited },
        );
        routes[prefix] = wallMs() - started;
      }),
    );
    out.rootBoot.push({ totalMs: Math.max(...Object.values(routes)), routes });
  } finally {
    await stopZoo(proc, "root config", out);
  }
}

export async function runSupervision(tmp: string, s: Settings, log: Log): Promise<SupervisionResults> {
  const out: SupervisionResults = {
    boot: [],
    readinessLag: [],
    recovery: [],
    restartUnderLoad: [],
    zooRestartUnderLoad: [],
    stop: [],
    rootBoot: [],
    problems: [],
  };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      out.problems.push(`${what}: ${(error as Error).message}`);
      log(`[${what}] failed: ${(error as Error).message}`);
    }
  };
  for (let n = 1; n <= s.supervisionRounds; n++) {
    await attempt("recovery after kill -9", async () => {
      await recoveryRound(tmp, n, out);
      log(`[recovery] round ${n}: boot ${out.boot.at(-1)?.toFixed(0)} ms, recovered in ${out.recovery.at(-1)?.toFixed(0)} ms, ` +
        `readiness lag ${out.readinessLag.at(-1)?.toFixed(1)} ms`);
    });
    await attempt("zoo restart under load", async () => {
      await zooRestartUnderLoadRound(tmp, n, s, out);
      const r = out.zooRestartUnderLoad.at(-1);
      if (r) log(`[zoo restart under load] round ${n}: ${r.failed} of ${r.requests} requests failed, max latency ${r.maxLatencyMs.toFixed(0)} ms`);
    });
    await attempt("restart under load", async () => {
      await restartUnderLoadRound(tmp, n, s, out);
      const r = out.restartUnderLoad.at(-1);
      if (r) log(`[restart under load] round ${n}: ${r.failed} of ${r.requests} requests failed, max latency ${r.maxLatencyMs.toFixed(0)} ms`);
    });
  }

  const rootConfig = join(REPO_DIR, "zoo.config.json");
  if (!existsSync(rootConfig)) {
    out.rootNote = "not measured: no zoo.config.json at the repository root";
  } else {
    const { skipped } = rootRoutes(JSON.parse(readFileSync(rootConfig, "utf8")));
    if (skipped.length) out.rootNote = `outside-proxy routes not awaited (no network here): ${skipped.join(", ")}`;
    for (let n = 1; n <= s.rootBootRounds && out.rootBoot.length === n - 1; n++) {
      await attempt("root config boot", async () => {
        await rootBootRound(tmp, n, out);
        const b = out.rootBoot.at(-1);
        if (b) log(`[root config boot] round ${n}: every route answered after ${b.totalMs.toFixed(0)} ms ` +
          `(${Object.entries(b.routes).map(([p, t]) => `${p} ${t.toFixed(0)}`).join(", ")})`);
      });
    }
  }
  return out;
}
