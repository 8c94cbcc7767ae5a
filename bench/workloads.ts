// The comparative workloads, run in alternating rounds (A B C D A B C D …) over every contender.
import type { Contender, ContenderName } from "./contenders.ts";
import { curlDownload, curlUpload, failedRequests, requestsPerSecond, runWrk, runWsEcho, type WrkOptions } from "./load.ts";
import { readUsage } from "../src/metrics/proc.ts";
import { descendantsOf, memoryOf, resetPeakRss } from "./proc.ts";

export interface Settings {
  rounds: number;
  warmupSeconds: number;
  smallSeconds: number;
  fixedSeconds: number;
  /** Fixed rate ≈ fixedConnections × 1000 / fixedDelayMs requests per second. */
  fixedConnections: number;
  fixedDelayMs: number;
  mibSeconds: number;
  streamBytes: number;
  wsSeconds: number;
  supervisionRounds: number;
  restartLoadSeconds: number;
  rootBootRounds: number;
  /** Wakes of a sleeping (lazy) app measured by bench/wake.ts. */
  wakes: number;
}

export const DEFAULT_SETTINGS: Settings = {
  rounds: 5,
  warmupSeconds: 2,
  smallSeconds: 5,
  fixedSeconds: 5,
  fixedConnections: 10,
  fixedDelayMs: 10,
  mibSeconds: 4,
  streamBytes: 1024 ** 3,
  wsSeconds: 3,
  supervisionRounds: 3,
  restartLoadSeconds: 5,
  rootBootRounds: 3,
  wakes: 10,
};

export const QUICK_SETTINGS: Settings = {
  rounds: 1,
  warmupSeconds: 1,
  smallSeconds: 3,
  fixedSeconds: 3,
  fixedConnections: 10,
  fixedDelayMs: 10,
  mibSeconds: 2,
  streamBytes: 256 * 1024 ** 2,
  wsSeconds: 2,
  supervisionRounds: 1,
  restartLoadSeconds: 3,
  rootBootRounds: 1,
  wakes: 3,
};

/** metric key → contender → one value per round. */
export type Samples = Record<string, Partial<Record<ContenderName, number[]>>>;

export interface ThroughputResults {
  samples: Samples;
  /** Failed requests (socket errors and non-2xx/3xx) per workload and contender, when any. */
  failures: string[];
  /** zoo's RSS growth over its pre-stream RSS, per transfer. */
  zooStreamRss: { direction: "download" | "upload"; baseline: number; peak: number }[];
}

export type Log = (line: string) => void;

const ms = (us: number) => us / 1000;

function add(samples: Samples, key: string, who: ContenderName, value: number): void {
  ((samples[key] ??= {})[who] ??= []).push(value);
}

/** Samples VmRSS every 20 ms, after resetting VmHWM, until stopped; peak is the larger of both. */
function watchRss(pid: number): () => { baseline: number; peak: number } {
  const baseline = memoryOf(pid)?.rss ?? NaN;
  resetPeakRss(pid);
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, memoryOf(pid)?.rss ?? 0)), 20);
  return () => {
    clearInterval(timer);
    const now = memoryOf(pid);
    return { baseline, peak: Math.max(peak, now?.rss ?? 0, now?.hwm ?? 0) };
  };
}

export async function runThroughput(
  contenders: Contender[],
  s: Settings,
  options: { streamFile: string; warmupFile: string; zooPid?: number; only?: Set<string>; log: Log },
): Promise<ThroughputResults> {
  const { log } = options;
  const samples: Samples = {};
  const failures: string[] = [];
  const zooStreamRss: ThroughputResults["zooStreamRss"] = [];
  const wanted = (name: string) => !options.only || options.only.has(name);
  const noteFailures = (workload: string, who: ContenderName, failed: number, total: number) => {
    if (failed > 0) failures.push(`${workload}, ${who}: ${failed} of ${total} requests failed`);
  };
  // zoo+metrics is there for the cost of metrics per request: the small-GET and fixed-rate workloads only.
  const perRequest = contenders;
  const bulk = contenders.filter((c) => c.name !== "zoo+metrics");
  const rounds = async (title: string, one: (c: Contender) => Promise<string>, who = bulk) => {
    for (let round = 1; round <= s.rounds; round++) {
      for (const c of who) log(`[${title}] round ${round}/${s.rounds} ${c.name}: ${await one(c)}`);
    }
  };

  log(`[warm-up] ${s.warmupSeconds} s of small GETs per contender`);
  for (const c of contenders) await runWrk({ url: `${c.origin}/node/`, connections: 50, seconds: s.warmupSeconds });

  /** A wrk run whose req/s, p50 and p99 are recorded under `key` (small GETs, fixed rate). */
  const latencyRun = (key: string, workload: string, options: WrkOptions, digits: number) =>
    rounds(workload, async (c) => {
      // The proxy's own CPU per request: unlike req/s, it hardly moves when other work shares the cores. nginx's
      // workers are its children; zoo's child is the upstream, not part of the proxy.
      const pids = !c.process ? [] : c.name.startsWith("zoo") ? [c.process.pid] : [c.process.pid, ...descendantsOf(c.process.pid)];
      const cpuBefore = readUsage(pids).cpuSeconds;
      const r = await runWrk({ ...options, url: `${c.origin}${options.url}` });
      if (pids.length > 0 && r.requests > 0) add(samples, `${key}.cpu`, c.name, ((readUsage(pids).cpuSeconds - cpuBefore) * 1e6) / r.requests);
      add(samples, `${key}.rps`, c.name, requestsPerSecond(r));
      add(samples, `${key}.p50`, c.name, ms(r.latency_us.p50));
      add(samples, `${key}.p99`, c.name, ms(r.latency_us.p99));
      noteFailures(workload, c.name, failedRequests(r), r.requests);
      return `${Math.round(requestsPerSecond(r))} req/s, p50 ${ms(r.latency_us.p50).toFixed(digits)} ms, p99 ${ms(r.latency_us.p99).toFixed(digits)} ms`;
    }, perRequest);

  if (wanted("small")) {
    await latencyRun("small", "small GET, 50 connections", { url: "/node/", connections: 50, seconds: s.smallSeconds }, 2);
  }

  if (wanted("fixed")) {
    const options = { url: "/node/", connections: s.fixedConnections, seconds: s.fixedSeconds, delayMs: s.fixedDelayMs };
    await latencyRun("fixed", "fixed rate", options, 3);
  }

  if (wanted("1m")) {
    await rounds("1 MiB responses, 10 connections", async (c) => {
      const r = await runWrk({ url: `${c.origin}/node/1m`, connections: 10, seconds: s.mibSeconds });
      const seconds = r.duration_us / 1e6;
      add(samples, "mib.rps", c.name, r.requests / seconds);
      add(samples, "mib.mbps", c.name, r.bytes / seconds / 1e6);
      add(samples, "mib.p99", c.name, ms(r.latency_us.p99));
      noteFailures("1 MiB", c.name, failedRequests(r), r.requests);
      return `${Math.round(r.requests / seconds)} req/s, ${Math.round(r.bytes / seconds / 1e6)} MB/s`;
    });
  }

  if (wanted("stream")) {
    // The first large transfer into a fresh process is several times slower (cold code, TCP windows).
    log("[warm-up] 256 MiB each way per contender");
    for (const c of contenders) {
      await curlDownload(`${c.origin}/node/stream?bytes=${256 * 1024 ** 2}`);
      await curlUpload(`${c.origin}/node/upload`, options.warmupFile);
    }
    const mib = Math.round(s.streamBytes / 1024 ** 2);
    await rounds(`${mib} MiB streamed`, async (c) => {
      const watch = c.name === "zoo" && options.zooPid ? watchRss(options.zooPid) : undefined;
      const down = await curlDownload(`${c.origin}/node/stream?bytes=${s.streamBytes}`);
      const downRss = watch?.();
      const watchUp = c.name === "zoo" && options.zooPid ? watchRss(options.zooPid) : undefined;
      const up = await curlUpload(`${c.origin}/node/upload`, options.streamFile);
      const upRss = watchUp?.();
      if (downRss) zooStreamRss.push({ direction: "download", ...downRss });
      if (upRss) zooStreamRss.push({ direction: "upload", ...upRss });
      const ok = (t: { status: number; bytes: number }) => t.status === 200 && t.bytes === s.streamBytes;
      if (ok(down)) add(samples, "stream.down", c.name, down.bytes / down.seconds / 1e6);
      else failures.push(`download, ${c.name}: status ${down.status}, ${down.bytes} of ${s.streamBytes} bytes`);
      if (ok(up)) add(samples, "stream.up", c.name, up.bytes / up.seconds / 1e6);
      else failures.push(`upload, ${c.name}: status ${up.status}, upstream counted ${up.bytes} of ${s.streamBytes} bytes`);
      const rss = downRss && upRss ? `, zoo RSS +${((downRss.peak - downRss.baseline) / 1e6).toFixed(1)} / +${((upRss.peak - upRss.baseline) / 1e6).toFixed(1)} MB` : "";
      return `down ${Math.round(down.bytes / down.seconds / 1e6)} MB/s, up ${Math.round(up.bytes / up.seconds / 1e6)} MB/s${rss}`;
    });
  }

  if (wanted("ws")) {
    await rounds("WebSocket echo, 10 connections", async (c) => {
      const r = await runWsEcho(`${c.origin.replace("http:", "ws:")}/node/ws`, 10, s.wsSeconds);
      add(samples, "ws.mps", c.name, r.messages / r.seconds);
      if (r.errors > 0) failures.push(`WebSocket echo, ${c.name}: ${r.errors} socket errors`);
      return `${Math.round(r.messages / r.seconds)} messages/s`;
    });
  }

  return { samples, failures, zooStreamRss };
}
