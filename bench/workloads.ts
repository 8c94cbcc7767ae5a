// The comparative workloads, run in alternating rounds (A B C D A B C D …) over every contender.
import type { Contender, ContenderName } from "./contenders.ts";
import { curlDownload, curlUpload, failedRequests, requestsPerSecond, runWrk, runWsEcho, type WrkOptions } from "./load.ts";
import { cpuMicros, memoryOf, resetPeakRss } from "./proc.ts";

export interface Settings {
  rounds: number;
  /** Rounds of the 1 GiB streams and the WebSocket echo: each run is steady, and these dominate the run time. */
  streamRounds: number;
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
  /** Alternating rounds of the CPU-bound app at 1 and 2 replicas (bench/replicas.ts), smallSeconds each. */
  replicasRounds: number;
}

// Eight contenders (six in the streaming and WebSocket workloads): runs are short so that the full bench stays
// under 10 minutes and --quick around 2.
export const DEFAULT_SETTINGS: Settings = {
  rounds: 5,
  streamRounds: 3,
  warmupSeconds: 1,
  smallSeconds: 3,
  fixedSeconds: 2,
  fixedConnections: 10,
  fixedDelayMs: 10,
  mibSeconds: 2,
  streamBytes: 1024 ** 3,
  wsSeconds: 2,
  supervisionRounds: 3,
  restartLoadSeconds: 5,
  rootBootRounds: 3,
  wakes: 10,
  replicasRounds: 3,
};

export const QUICK_SETTINGS: Settings = {
  rounds: 1,
  streamRounds: 1,
  warmupSeconds: 1,
  smallSeconds: 2,
  fixedSeconds: 2,
  fixedConnections: 10,
  fixedDelayMs: 10,
  mibSeconds: 1,
  streamBytes: 256 * 1024 ** 2,
  wsSeconds: 1,
  supervisionRounds: 1,
  restartLoadSeconds: 3,
  rootBootRounds: 1,
  wakes: 3,
  replicasRounds: 1,
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
  const bulk = contenders.filter((c) => c.name !== "zoo+metrics");
  const rounds = async (title: string, one: (c: Contender) => Promise<string>, who = bulk, count = s.rounds) => {
    for (let round = 1; round <= count; round++) {
      for (const c of who) log(`[${title}] round ${round}/${count} ${c.name}: ${await one(c)}`);
    }
  };
  const full = bulk.filter((c) => !c.floor);

  log(`[warm-up] ${s.warmupSeconds} s of small GETs per contender`);
  for (const c of contenders) await runWrk({ url: `${c.origin}/node/`, connections: 50, seconds: s.warmupSeconds });

  /**
   * A wrk run whose req/s, p50 and p99 are recorded under `key` (small GETs, fixed rate); with `cpu`, also the CPU
   * time the proxy's processes used over the run per request (for direct: the upstream's).
   */
  const latencyRun = (key: string, workload: string, options: WrkOptions, digits: number, cpu = false) =>
    rounds(workload, async (c) => {
      const pids = c.cpuPids?.() ?? (c.process ? [c.process.pid] : []);
      const cpuBefore = cpuMicros(pids);
      const r = await runWrk({ ...options, url: `${c.origin}${options.url}` });
      const cpuUs = r.requests > 0 && pids.length ? (cpuMicros(pids) - cpuBefore) / r.requests : undefined;
      add(samples, `${key}.rps`, c.name, requestsPerSecond(r));
      add(samples, `${key}.p50`, c.name, ms(r.latency_us.p50));
      add(samples, `${key}.p99`, c.name, ms(r.latency_us.p99));
      if (cpu && cpuUs !== undefined) add(samples, `${key}.cpu`, c.name, cpuUs);
      noteFailures(workload, c.name, failedRequests(r), r.requests);
      const cpuText = cpu && cpuUs !== undefined ? `, ${cpuUs.toFixed(0)} µs CPU/request` : "";
      return `${Math.round(requestsPerSecond(r))} req/s, p50 ${ms(r.latency_us.p50).toFixed(digits)} ms, p99 ${ms(r.latency_us.p99).toFixed(digits)} ms${cpuText}`;
    }, contenders);

  if (wanted("small")) {
    await latencyRun("small", "small GET, 50 connections", { url: "/node/", connections: 50, seconds: s.smallSeconds }, 2, true);
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
    for (const c of full) {
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
    }, full, s.streamRounds);
  }

  if (wanted("compress")) {
    // zoo's compress route and Caddy's encode on a 100 KB JSON body; direct is the same body uncompressed. Caddy 2.6
    // has no brotli encoder, so br is zoo's alone. Bytes per response show that the body was compressed; identity is
    // each proxy's cost for the same body uncompressed, so the difference is what compression costs.
    const compressing = contenders.filter((c) => c.name === "zoo" || c.name === "caddy" || c.name === "direct");
    for (const encoding of ["identity", "gzip", "br", "zstd"] as const) {
      const who = compressing.filter((c) => !(encoding === "br" && c.name === "caddy"));
      await rounds(`100 KB JSON, Accept-Encoding: ${encoding}, 10 connections`, async (c) => {
        const pids = c.cpuPids?.() ?? (c.process ? [c.process.pid] : []);
        const cpuBefore = cpuMicros(pids);
        const r = await runWrk({ url: `${c.origin}/enc/json100k`, connections: 10, seconds: s.smallSeconds, headers: [`Accept-Encoding: ${encoding}`] });
        const cpuUs = r.requests > 0 && pids.length ? (cpuMicros(pids) - cpuBefore) / r.requests : undefined;
        add(samples, `compress.${encoding}.rps`, c.name, requestsPerSecond(r));
        if (cpuUs !== undefined) add(samples, `compress.${encoding}.cpu`, c.name, cpuUs);
        add(samples, `compress.${encoding}.bytes`, c.name, r.bytes / Math.max(1, r.requests));
        noteFailures(`compress ${encoding}`, c.name, failedRequests(r), r.requests);
        return `${Math.round(requestsPerSecond(r))} req/s, ${cpuUs === undefined ? "?" : cpuUs.toFixed(0)} µs CPU/request, ${Math.round(r.bytes / Math.max(1, r.requests))} bytes/response`;
      }, who);
    }
  }

  if (wanted("ws")) {
    await rounds("WebSocket echo, 10 connections", async (c) => {
      const r = await runWsEcho(`${c.origin.replace("http:", "ws:")}/node/ws`, 10, s.wsSeconds);
      add(samples, "ws.mps", c.name, r.messages / r.seconds);
      if (r.errors > 0) failures.push(`WebSocket echo, ${c.name}: ${r.errors} socket errors`);
      return `${Math.round(r.messages / r.seconds)} messages/s`;
    }, full, s.streamRounds);
  }

  return { samples, failures, zooStreamRss };
}
