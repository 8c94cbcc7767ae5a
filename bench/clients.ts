// The candidate upstream clients for zoo's app path, side by side in one run (issue 18, point 1):
// each one a minimal proxy of zoo's shape (bench/client-proxy.ts) in its own process, all fronting one upstream
// (bench/upstream.ts), measured in alternating rounds with wrk -t1; medians of req/s and of the proxy's CPU time.
//   node bench/clients.ts [--rounds 5] [--seconds 3] [--connections 10] [--out bench/results]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_DIR, startUpstream, waitForUpstreamInfo } from "./contenders.ts";
import { requestsPerSecond, runWrk } from "./load.ts";
import { cpuMicros, freePort, killAllStarted, startProcess, type Running } from "./proc.ts";
import { median } from "./median.ts";

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "3" },
    connections: { type: "string", default: "10" },
    out: { type: "string", default: join(BENCH_DIR, "results") },
  },
});
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);

const CANDIDATES = [
  { client: "hp3-agent", what: "http-proxy-3 on http.Agent, selfHandleResponse (zoo today)" },
  { client: "hp3-fetch", what: "http-proxy-3 with `fetch`: undici's fetch on an undici Pool" },
  { client: "undici-stream", what: "undici `Pool.stream`" },
  { client: "undici-dispatch", what: "undici `Pool.dispatch`, raw-header handler" },
  { client: "bare-http", what: "floor: bare `http.request`, keep-alive Agent" },
  { client: "bare-undici", what: "floor: bare undici `Pool.stream`" },
] as const;

interface Measured {
  rps: number[];
  cpu: number[];
  mibMBps: number[];
  mibCpu: number[];
  failed: number;
}

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
const tmp = mkdtempSync(join(tmpdir(), "zoo-clients-"));
process.once("SIGINT", () => (killAllStarted(), process.exit(130)));

async function startCandidate(client: string, upstreamPort: number): Promise<{ proc: Running; origin: string }> {
  const port = await freePort();
  const proc = startProcess(client, process.execPath, [join(BENCH_DIR, "client-proxy.ts"), client, String(port), String(upstreamPort)], {
    logFile: join(tmp, `${client}.log`),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForUpstreamInfo(origin, 15_000, proc.exited);
  return { proc, origin };
}

/** One wrk run against origin+path; the proxy's CPU time over the run per request (µs) and per MB. */
async function measure(origin: string, path: string, pid: number, runSeconds: number) {
  const before = cpuMicros([pid]);
  const r = await runWrk({ url: `${origin}${path}`, connections, seconds: runSeconds });
  const cpu = cpuMicros([pid]) - before;
  const failed = r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;
  return { rps: requestsPerSecond(r), cpuPerRequest: cpu / Math.max(1, r.requests), mbps: r.bytes / (r.duration_us / 1e6) / 1e6, failed };
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0];
  const upstreamPort = await freePort();
  const upstream = await startUpstream(upstreamPort, tmp);
  const started = [];
  for (const c of CANDIDATES) started.push({ ...c, ...(await startCandidate(c.client, upstreamPort)) });
  const results = new Map<string, Measured>(CANDIDATES.map((c) => [c.client, { rps: [], cpu: [], mibMBps: [], mibCpu: [], failed: 0 }]));

  log(`warm-up: 1 s of small GETs and 1 s of 1 MiB responses per candidate`);
  for (const c of started) {
    await runWrk({ url: `${c.origin}/node/`, connections, seconds: 1 });
    await runWrk({ url: `${c.origin}/node/1m`, connections, seconds: 1 });
  }
  for (let round = 1; round <= rounds; round++) {
    for (const c of started) {
      const m = results.get(c.client)!;
      const small = await measure(c.origin, "/node/", c.proc.pid, seconds);
      const mib = await measure(c.origin, "/node/1m", c.proc.pid, Math.max(1, Math.round(seconds / 2)));
      m.rps.push(small.rps);
      m.cpu.push(small.cpuPerRequest);
      m.mibMBps.push(mib.mbps);
      m.mibCpu.push(mib.cpuPerRequest);
      m.failed += small.failed + mib.failed;
      log(
        `round ${round}/${rounds} ${c.client}: ${small.rps.toFixed(0)} req/s, ${small.cpuPerRequest.toFixed(0)} µs CPU/request; ` +
          `1 MiB: ${mib.mbps.toFixed(0)} MB/s, ${mib.cpuPerRequest.toFixed(0)} µs CPU/MiB`,
      );
    }
  }
  const upstreamCpu = await measure(`http://127.0.0.1:${upstreamPort}`, "/node/", upstream.pid, seconds);
  for (const c of started) await c.proc.stop(5000);
  await upstream.stop(5000);

  const base = median(results.get("hp3-agent")!.cpu)!;
  const lines = [
    `# Upstream clients for zoo's app path — ${new Date().toISOString().slice(0, 19)}Z`,
    "",
    `\`node bench/clients.ts --rounds ${rounds} --seconds ${seconds} --connections ${connections}\`: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
      `Node ${process.version}, load average ${loadStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end. ` +
      `Medians of ${rounds} alternating rounds; wrk -t1 -c${connections}, ${seconds} s of small GETs (13 bytes) and ` +
      `${Math.max(1, Math.round(seconds / 2))} s of 1 MiB responses per round. CPU: user + system time of the proxy process from /proc/PID/stat.`,
    "",
    "| client | small GET req/s | CPU µs per request | vs hp3-agent | 1 MiB MB/s | CPU µs per MiB | failed |",
    "|---|--:|--:|--:|--:|--:|--:|",
  ];
  for (const c of CANDIDATES) {
    const m = results.get(c.client)!;
    const cpu = median(m.cpu)!;
    lines.push(
      `| \`${c.client}\`: ${c.what} | ${median(m.rps)!.toFixed(0)} | ${cpu.toFixed(0)} | ${(cpu / base).toFixed(2)}× | ` +
        `${median(m.mibMBps)!.toFixed(0)} | ${median(m.mibCpu)!.toFixed(0)} | ${m.failed} |`,
    );
  }
  lines.push(`| the upstream alone (one run, after) | ${upstreamCpu.rps.toFixed(0)} | ${upstreamCpu.cpuPerRequest.toFixed(0)} | | | | |`);
  const report = lines.join("\n") + "\n";
  console.log(`\n${report}`);
  mkdirSync(flags.out!, { recursive: true });
  const file = join(flags.out!, `${new Date().toISOString().slice(0, 16).replace(":", "")}Z-clients.md`);
  writeFileSync(file, report);
  log(`wrote ${file}`);
}

try {
  await main();
} finally {
  killAllStarted();
  rmSync(tmp, { recursive: true, force: true });
}
