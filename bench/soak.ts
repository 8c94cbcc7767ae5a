// The soak workload (issue 22): the mixed load — 20 connections of small GETs and 4 of 1 MiB downloads — through
// each contender for N minutes, one contender at a time, then 90 s without load. Every 10 s: RSS, V8 heap used and
// committed and external memory (Node contenders), open fds. zoo is also measured idle after boot and after 2,000
// requests and 60 s idle. The report and the RSS chart come from soak-report.ts.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { Agent, get, request } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { controlSocketPath } from "../src/admin/server.ts";
import { BENCH_DIR, REPO_DIR, spawnZoo, startNginx, startUpstream, type Contender } from "./contenders.ts";
import { failedRequests, startWrk, type WrkResult } from "./load.ts";
import { startCaddy, startHaproxy, startNodeFloor } from "./peers.ts";
import { cpuMicros, descendantsOf, freePort, memoryOf, pollUntil, type Running } from "./proc.ts";
import { renderSoak, STATUS_ANSWERS, type SettingsAB, type SoakRun, type SoakSample } from "./soak-report.ts";
import { alternatingRounds } from "./alternating.ts";
import type { Log } from "./workloads.ts";

export interface SoakOptions {
  minutes: number;
  idleSeconds?: number;
  /** The idle after 2,000 requests (issue 22: 60 s). */
  afterTrafficSeconds?: number;
  sampleSeconds?: number;
  tmp: string;
  log: Log;
  /** Where the chart goes, and its name relative to the report. */
  chartFile: string;
  chartLink: string;
  /** The zoo CLI to run (`node CLI start`): the compiled dist/cli.js. */
  zooCli: string;
  /** Which contenders to soak, by key (zoo, zoo-defaults, zoo-binary, undici-floor, caddy, nginx, haproxy); all when absent. */
  contenders?: string[];
}

/** What the soak knows how to read from a contender besides /proc. */
interface SoakContender {
  name: string;
  /** The name `--soak-contenders` chooses it by. */
  key: string;
  /** zoo's own process: measured idle after boot and after 2,000 requests; heap read from `zoo status`. */
  zoo?: { controlSocket: string };
  /** A Node floor writes its heap figures to this file. */
  memoryFile?: string;
  /** RSS and fds are summed over the process and its descendants (nginx's workers), not zoo's apps. */
  tree?: boolean;
  start(): Promise<Contender>;
}

export async function runSoak(options: SoakOptions): Promise<{ markdown: string; runs: SoakRun[] }> {
  const { tmp, log } = options;
  const upstreamPort = await freePort();
  const upstream = await startUpstream(upstreamPort, tmp);
  const wanted = (key: string) => !options.contenders || options.contenders.includes(key);
  const binary = wanted("zoo-binary") ? await buildBinary(tmp, log) : undefined;
  const all: SoakContender[] = [
    zooContender("zoo", "zoo", options.zooCli, tmp, {}),
    // Today's settings before issue 22: Node's default young generation, glibc's default arenas.
    zooContender("zoo, Node defaults", "zoo-defaults", options.zooCli, tmp, { ZOO_MEMORY_SETTINGS: "off" }),
    ...(binary ? [zooContender("zoo binary", "zoo-binary", binary, tmp, {})] : []),
    {
      name: "undici-floor",
      key: "undici-floor",
      memoryFile: join(tmp, "undici-floor-memory.json"),
      start: () => startNodeFloor("bare-undici", upstreamPort, tmp, { BENCH_MEMORY_FILE: join(tmp, "undici-floor-memory.json") }),
    },
    { name: "caddy", key: "caddy", start: () => startCaddy(upstreamPort, tmp) },
    { name: "nginx", key: "nginx", tree: true, start: () => startNginx(upstreamPort, tmp) },
    { name: "haproxy", key: "haproxy", start: () => startHaproxy(upstreamPort, tmp) },
  ];
  const contenders = all.filter((contender) => wanted(contender.key));
  // Throughput and CPU against Node's defaults: side by side, in alternating rounds, before the soaks (also when
  // only zoo is soaked).
  const [zoo, defaults] = ["zoo", "zoo-defaults"].map((key) => all.find((c) => c.key === key)!);
  const ab = wanted("zoo") ? await settingsAB(zoo, defaults, log) : undefined;
  if (contenders.length === 0) throw new Error(`--soak-contenders: none of ${options.contenders?.join(", ")} is known (${all.map((c) => c.key).join(", ")})`);
  const runs: SoakRun[] = [];
  try {
    for (const contender of contenders) {
      log(`[soak] ${contender.name}: ${options.minutes} min of load, then ${options.idleSeconds ?? 90} s idle`);
      runs.push(await soakOne(contender, options));
    }
  } finally {
    await upstream.stop(3000);
  }
  return { markdown: await renderSoak(runs, { ...options, ab }), runs };
}

function zooContender(name: string, key: string, cli: string, tmp: string, env: Record<string, string>): SoakContender {
  const state: { controlSocket: string } = { controlSocket: "" };
  return {
    name,
    key,
    zoo: state,
    async start() {
      const upstreamPort = await freePort();
      // One app (the upstream) behind one route, no access log: the config issue 22's idle targets are set for.
      const baseEnv = { BENCH_UPSTREAM_PORT: String(upstreamPort), ...env };
      const configPath = join(BENCH_DIR, "zoo.soak.json");
      const logName = `soak-${name.replace(/\W+/g, "-")}.log`;
      const logFile = join(tmp, logName);
      const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
      const { proc, origin, port } = await spawnZoo({ configPath, env: baseEnv, tmp, logName, cli });
      state.controlSocket = controlSocketPath(undefined, port);
      // Ready as zoo's own log says it ("<app>: ready"), not through a request (the first one loads the app client,
      // undici) nor through `zoo status` (a just-started zoo's first status answers add about 1 MB, measured apart).
      const apps = Object.keys((JSON.parse(readFileSync(configPath, "utf8")) as { apps: Record<string, unknown> }).apps);
      await pollUntil(`${name}: every app ready`, async () => {
        const log = readFileSync(logFile).subarray(logFrom).toString("utf8");
        // "zoo      | upstream: ready in 125ms": the name column is as wide as the longest app name.
        return apps.every((app) => new RegExp(`^zoo +\\| ${app}: ready`, "m").test(log)) ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 100, exited: proc.exited });
      return { name: "zoo", origin, process: proc, stop: async () => void (await proc.stop(12_000)) };
    },
  };
}

/** Sequential 3-s rounds on this machine vary by ±30% from one to the next: 10 each, for medians within a few %. */
const AB_ROUNDS = 10;
const AB_SECONDS = 3;

async function settingsAB(zoo: SoakContender, defaults: SoakContender, log: Log): Promise<SettingsAB> {
  log(`[soak] zoo against zoo with Node's defaults: ${AB_ROUNDS} alternating rounds of small GETs`);
  const started = [await zoo.start(), await defaults.start()];
  try {
    const figures = await alternatingRounds(
      started.map((c, i) => ({ name: i === 0 ? "zoo" : "defaults", url: `${c.origin}/`, pid: c.process!.pid })),
      AB_ROUNDS,
      AB_SECONDS,
      (line) => log(`[soak] ${line}`),
    );
    const of = (name: string) => ({ rps: figures.get(name)!.medianRps, cpu: figures.get(name)!.medianCpu });
    return { rounds: AB_ROUNDS, seconds: AB_SECONDS, zoo: of("zoo"), defaults: of("defaults") };
  } finally {
    for (const c of started) await c.stop();
  }
}

/** zoo's single executable, built into tmp with scripts/build-binary.ts; undefined when it cannot be built here. */
async function buildBinary(tmp: string, log: Log): Promise<string | undefined> {
  const out = join(tmp, "zoo-binary");
  const built = await execa(process.execPath, [join(REPO_DIR, "scripts", "build-binary.ts"), "--out", out], { cwd: REPO_DIR, reject: false });
  if (built.exitCode !== 0) {
    log(`[soak] the single executable is not measured: build-binary failed: ${String(built.stderr).split("\n").slice(-2).join(" ")}`);
    return undefined;
  }
  await dropFromPageCache(out);
  return out;
}

/**
 * Measured here: a binary just built (postject reads and rewrites it whole) idles at ~17 MB more RSS, all of it file
 * pages (shared, reclaimable), than the same binary after `cp` or from a cold page cache (76 vs 59 MB): the kernel
 * maps more of a file around each page a process touches depending on how the file came into its page cache.
 * Dropped from the cache, the binary starts as a copied or pulled one does (docs/performance.md).
 */
async function dropFromPageCache(file: string): Promise<void> {
  await execa("sync", [file], { reject: false });
  await execa("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"], { reject: false });
}

async function soakOne(contender: SoakContender, options: SoakOptions): Promise<SoakRun> {
  const sampleMs = (options.sampleSeconds ?? 10) * 1000;
  const idleMs = (options.idleSeconds ?? 90) * 1000;
  const started = await contender.start();
  const proc = started.process!;
  const pids = () => (contender.tree ? [proc.pid, ...descendantsOf(proc.pid)] : [proc.pid]);
  const sample = async (t: number, phase: SoakSample["phase"]): Promise<SoakSample> => ({ t, phase, ...(await readSample(contender, pids())) });
  try {
    await sleep(2000);
    const boot = await sample(0, "boot");
    let afterTraffic: SoakSample | undefined;
    let bootAfterStatus: SoakSample | undefined;
    if (contender.zoo) {
      // As a container's HEALTHCHECK would ask right after boot: STATUS_ANSWERS in all (the boot sample asked one).
      for (let i = 1; i < STATUS_ANSWERS; i++) {
        await sleep(100);
        await zooStatus(contender.zoo.controlSocket);
      }
      await sleep(2000);
      bootAfterStatus = await sample(0, "boot");
      await smallRequests(started.origin, 2000);
      await sleep((options.afterTrafficSeconds ?? 60) * 1000);
      afterTraffic = await sample(0, "after-traffic");
    }

    const samples: SoakSample[] = [];
    const loadMs = options.minutes * 60_000;
    const cpuBefore = cpuMicros(pids());
    const began = Date.now();
    const small = startWrk({ url: `${started.origin}/`, connections: 20, seconds: Math.round(options.minutes * 60) });
    const large = startWrk({ url: `${started.origin}/1m`, connections: 4, seconds: Math.round(options.minutes * 60) });
    let peakRss = 0;
    for (let next = sampleMs; next <= loadMs; next += sampleMs) {
      await sleep(Math.max(0, began + next - Date.now()));
      const s = await sample(next / 1000, "load");
      samples.push(s);
      peakRss = Math.max(peakRss, s.rss);
    }
    const [smallResult, largeResult] = await Promise.all([small.result, large.result]);
    const cpu = cpuMicros(pids()) - cpuBefore;
    const loadEnded = Date.now();
    for (let next = sampleMs; next <= idleMs; next += sampleMs) {
      await sleep(Math.max(0, loadEnded + next - Date.now()));
      samples.push(await sample((loadMs + next) / 1000, "idle"));
    }
    peakRss = Math.max(peakRss, ...pids().map((pid) => memoryOf(pid)?.hwm ?? 0).slice(0, 1));
    return {
      name: contender.name,
      minutes: options.minutes,
      boot,
      bootAfterStatus,
      afterTraffic,
      samples,
      peakRss,
      small: wrkSummary(smallResult),
      large: wrkSummary(largeResult),
      cpuMicrosPerRequest: cpu / Math.max(1, smallResult.requests + largeResult.requests),
    };
  } finally {
    await started.stop();
  }
}

function wrkSummary(result: WrkResult) {
  return { requests: result.requests, perSecond: result.requests / (result.duration_us / 1e6), failed: failedRequests(result) };
}

async function readSample(contender: SoakContender, pids: number[]): Promise<Omit<SoakSample, "t" | "phase">> {
  let rss = 0;
  let fds = 0;
  for (const pid of pids) {
    rss += memoryOf(pid)?.rss ?? 0;
    try {
      fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // gone
    }
  }
  const heap = contender.zoo ? await zooHeap(contender.zoo.controlSocket) : contender.memoryFile ? floorHeap(contender.memoryFile) : undefined;
  return { rss, fds, ...heap };
}

type Heap = { heapUsed: number; heapTotal: number; external: number };

interface ZooStatus {
  zoo?: { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  apps?: { state: string }[];
}

/** `zoo status` (the control socket's /status); undefined while zoo does not answer. */
function zooStatus(socketPath: string): Promise<ZooStatus | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/status", timeout: 3000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk) => (body += chunk)).on("end", () => {
        try {
          resolve(JSON.parse(body) as ZooStatus);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on("timeout", () => req.destroy()).on("error", () => resolve(undefined)).end();
  });
}

/** zoo's own heap figures, from `zoo status`. */
async function zooHeap(socketPath: string): Promise<Heap | undefined> {
  const zoo = (await zooStatus(socketPath))?.zoo;
  return zoo && { heapUsed: zoo.heapUsedBytes, heapTotal: zoo.heapTotalBytes, external: zoo.externalBytes };
}

function floorHeap(file: string): Heap | undefined {
  try {
    const figures = JSON.parse(readFileSync(file, "utf8")) as { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
    return { heapUsed: figures.heapUsedBytes, heapTotal: figures.heapTotalBytes, external: figures.externalBytes };
  } catch {
    return undefined;
  }
}

/** `count` small GETs over 4 keep-alive connections; the connections are closed afterwards. */
async function smallRequests(origin: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      await new Promise<void>((resolve, reject) => {
        get(`${origin}/`, { agent }, (res) => res.resume().on("end", resolve).on("error", reject)).on("error", reject);
      });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  agent.destroy();
}
