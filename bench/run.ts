// `npm run bench`: zoo against the upstream alone (direct), nginx, a seed-style Go proxy, caddy, haproxy and two
// bare Node proxies (the floors), then zoo's own supervision numbers, TLS, and a CPU-bound app at 1 and 2 replicas. Prints a markdown report and writes it to bench/results/. See docs/performance.md.
//   node bench/run.ts [--quick] [--install] [--profile] [--compiled] [--no-zoo] [--only small,fixed,1m,stream,ws,compress,supervision,wake,tls,replicas]
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync, closeSync, openSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BENCH_DIR,
  REPO_DIR,
  direct,
  spawnZoo,
  startGoProxy,
  startMetricsZoo,
  startNginx,
  startUpstream,
  waitForUpstreamInfo,
  zooCli,
  useCompiledZoo,
  type Contender,
} from "./contenders.ts";
import { startCaddy, startHaproxy, startNodeFloor } from "./peers.ts";
import { ensurePrerequisites, versions, wrk2Candidate, zooRevision } from "./prereqs.ts";
import { freePort, killAllStarted, memoryOf, wallMs, type Running } from "./proc.ts";
import { summarizeProfile } from "./profile.ts";
import { computeTargets, renderReport, type ReportInput } from "./report.ts";
import { BENCH_CONFIG, runSupervision, stopZoo, type SupervisionResults } from "./supervision.ts";
import { measureWake, type WakeResult } from "./wake.ts";
import { missingTlsTools, runTlsBench } from "./tls.ts";
import { runReplicasBench, type ReplicasResult } from "./replicas.ts";
import { runSoak } from "./soak.ts";
import { DEFAULT_SETTINGS, QUICK_SETTINGS, runThroughput, type ThroughputResults } from "./workloads.ts";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    install: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    compiled: { type: "boolean", default: false },
    "no-zoo": { type: "boolean", default: false },
    only: { type: "string" },
    "soak-minutes": { type: "string" },
    "soak-contenders": { type: "string" },
    rounds: { type: "string" },
    out: { type: "string", default: join(BENCH_DIR, "results") },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (flags.help) {
  console.log(`Usage: npm run bench -- [options]

  --quick        about 2 minutes: 1 round, shorter runs, 256 MiB streams (default: 5 rounds, under 10 minutes)
  --install      apt-get install missing Debian packages (wrk, nginx-light, golang-go, caddy, haproxy, curl) when root
  --profile      run the throughput zoo under node --cpu-prof and print its hot spots
  --compiled     measure zoo compiled to JavaScript (tsconfig.build.json, as the image runs it)
  --no-zoo       measure only the others (direct, nginx, go-proxy, caddy, haproxy, the Node floors)
  --only LIST    comma-separated subset of: small, fixed, 1m, stream, ws, compress, supervision, wake, tls, replicas, soak
  --soak-minutes N  length of the soak's load per contender (default 10 with --only soak, else 1; then 90 s idle)
  --soak-contenders LIST  comma-separated subset of: zoo, zoo-defaults, zoo-binary, undici-floor, caddy, nginx, haproxy
                 (default all; a 60-minute soak of zoo alone: --only soak --soak-minutes 60 --soak-contenders zoo)
  --rounds N     alternating rounds per workload (default 5, 3 for the 1 GiB streams and the WebSocket echo; quick 1)
  --out DIR      where the report goes (default bench/results)

BENCH_ZOO_CLI=path/to/cli.ts measures another zoo build.`);
  process.exit(0);
}

const settings = { ...(flags.quick ? QUICK_SETTINGS : DEFAULT_SETTINGS) };
if (flags.rounds) settings.rounds = settings.streamRounds = Math.max(1, Number(flags.rounds));
const only = flags.only ? new Set(flags.only.split(",").map((s) => s.trim())) : undefined;
/** The other proxies are started (and warmed up) only for the workloads that compare them. */
const throughputWanted = !only || ["small", "fixed", "1m", "stream", "ws", "compress"].some((name) => only.has(name));
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

const tmp = mkdtempSync(join(tmpdir(), "zoo-bench-"));
let keepTmp = false;
const cleanup = () => {
  killAllStarted();
  if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the bench started`);
    cleanup();
    process.exit(130);
  });
}

/** Starts the throughput zoo from bench/zoo.bench.json; it owns the upstream every contender fronts. */
async function startThroughputZoo(upstreamPort: number, cpuProfDir?: string) {
  const started = wallMs();
  const { proc, origin } = await spawnZoo({
    configPath: BENCH_CONFIG,
    env: { BENCH_UPSTREAM_PORT: String(upstreamPort) },
    tmp,
    logName: "zoo-throughput.log",
    cpuProfDir,
  });
  try {
    const info = await waitForUpstreamInfo(origin, 30_000, proc.exited);
    log(`zoo ready in ${(wallMs() - started).toFixed(0)} ms (pid ${proc.pid}, app pid ${info.pid})`);
    return { proc, origin, upstreamPid: info.pid };
  } catch (error) {
    await proc.stop(3000);
    throw error;
  }
}

/** zoo_http_requests_total summed over its series, from the metrics zoo's /metrics (a check that it counted). */
async function countedRequests(url: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(url)).text();
    return text.split("\n").filter((line) => line.startsWith("zoo_http_requests_total{")).reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  if (!(await ensurePrerequisites(flags.install))) return 2;
  const date = new Date();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    kernel: release(),
    load: { start: loadavg()[0], end: 0 },
  };
  log(`zoo bench${flags.quick ? " (quick)" : ""}: ${machine.cores} cores, Node ${machine.node}, temp dir ${tmp}`);
  if (flags.compiled) log(`compiled zoo into ${await useCompiledZoo()}`);

  // The 1 GiB upload source: a sparse file, so reading it costs no disk.
  const streamFile = join(tmp, "upload.bin");
  closeSync(openSync(streamFile, "w"));
  truncateSync(streamFile, settings.streamBytes);
  const warmupFile = join(tmp, "warmup.bin");
  closeSync(openSync(warmupFile, "w"));
  truncateSync(warmupFile, 256 * 1024 ** 2);

  const upstreamPort = await freePort();
  const zoo: ReportInput["zoo"] = { available: false, cli: relative(REPO_DIR, zooCli()), revision: await zooRevision(REPO_DIR) };
  let zooProc: Running | undefined;
  let zooOrigin = "";
  let upstream: Running | undefined;
  let upstreamPid = 0;
  const cpuProfDir = flags.profile ? join(tmp, "profiles") : undefined;
  if (flags["no-zoo"]) {
    zoo.note = "--no-zoo";
  } else {
    try {
      const started = await startThroughputZoo(upstreamPort, cpuProfDir);
      zooProc = started.proc;
      zooOrigin = started.origin;
      upstreamPid = started.upstreamPid;
      zoo.available = true;
      await sleep(1000); // idle RSS: after boot has settled
      zoo.idleRss = memoryOf(zooProc.pid)?.rss;
    } catch (error) {
      zoo.note = `\`node ${zooCli()} start\` did not serve bench/zoo.bench.json: ${(error as Error).message.split("\n")[0]}`;
      log(`zoo is not measured: ${zoo.note}`);
      keepTmp = true;
    }
  }
  if (!zoo.available) {
    upstream = await startUpstream(upstreamPort, tmp);
    upstreamPid = upstream.pid;
  }

  const contenders: Contender[] = [direct(upstreamPort, upstreamPid)];
  // zoo is stopped after the others: it owns the upstream they front.
  if (zooProc) contenders.push({ name: "zoo", origin: zooOrigin, process: zooProc, stop: async () => {} });
  let metricsZoo: Awaited<ReturnType<typeof startMetricsZoo>> | undefined;
  if (zooProc && throughputWanted) {
    try {
      metricsZoo = await startMetricsZoo(BENCH_CONFIG, tmp);
      contenders.push(metricsZoo);
    } catch (error) {
      log(`zoo+metrics is not measured: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  if (throughputWanted) {
    log("building the Go proxy, starting nginx, caddy, haproxy and the Node floors");
    contenders.push(await startNginx(upstreamPort, tmp));
    contenders.push(await startGoProxy(upstreamPort, tmp));
    contenders.push(await startCaddy(upstreamPort, tmp));
    contenders.push(await startHaproxy(upstreamPort, tmp));
    contenders.push(await startNodeFloor("bare-http", upstreamPort, tmp));
    contenders.push(await startNodeFloor("bare-undici", upstreamPort, tmp));
  }

  const throughput: ThroughputResults = throughputWanted
    ? await runThroughput(contenders, settings, { streamFile, warmupFile, zooPid: zooProc?.pid, only, log })
    : { samples: {}, failures: [], zooStreamRss: [] };
  if (zooProc) zoo.afterRunRss = memoryOf(zooProc.pid)?.rss;
  if (metricsZoo) zoo.metricsRequests = await countedRequests(metricsZoo.metricsUrl);

  for (const c of contenders) await c.stop();
  if (zooProc) await stopZoo(zooProc, "throughput zoo", { stop: [], problems: throughput.failures });
  await upstream?.stop(3000);

  let supervision: SupervisionResults | undefined;
  if (zoo.available && (!only || only.has("supervision"))) supervision = await runSupervision(tmp, settings, log);
  let wake: WakeResult | undefined;
  if (zoo.available && (!only || only.has("wake"))) {
    try {
      wake = await measureWake({ wakes: settings.wakes, cli: zooCli() });
      log(`[lazy-app wake] median ${wake.wakeMs} ms, of which the app's own start ${wake.appOpenMs} ms`);
    } catch (error) {
      throughput.failures.push(`lazy-app wake: ${(error as Error).message.split("\n")[0]}`);
    }
  }

  let tlsSection = "";
  if (zoo.available && (!only || only.has("tls"))) {
    const missing = await missingTlsTools();
    if (missing.length > 0) log(`[tls] skipped: apt-get install ${missing.join(" ")}`);
    else {
      tlsSection = await runTlsBench({ tmp, seconds: settings.smallSeconds, log }).then(
        (result) => result.markdown,
        (error: Error) => (throughput.failures.push(`tls: ${error.message.split("\n")[0]}`), ""),
      );
    }
  }

  let replicasSection = "";
  let replicas: ReplicasResult | undefined;
  if (zoo.available && (!only || only.has("replicas"))) {
    try {
      const { markdown, ...result } = await runReplicasBench({ tmp, seconds: settings.smallSeconds, rounds: settings.replicasRounds, log });
      replicas = result;
      replicasSection = markdown;
      throughput.failures.push(...result.failures);
    } catch (error) {
      throughput.failures.push(`replicas: ${(error as Error).message.split("\n")[0]}`);
    }
  }

  const stamp = date.toISOString().slice(0, 16).replace(":", "");
  let soakSection = "";
  if (zoo.available && (!only || only.has("soak"))) {
    const minutes = Number(flags["soak-minutes"] ?? (only?.has("soak") ? 10 : 1));
    mkdirSync(flags.out, { recursive: true });
    const chartName = `${stamp}Z${flags.quick ? "-quick" : ""}-soak-rss.svg`;
    try {
      // The soak measures zoo as it is shipped: compiled (dist/cli.js), and the single executable.
      const cli = flags.compiled ? zooCli() : await useCompiledZoo();
      const { markdown } = await runSoak({ minutes, tmp, log, chartFile: join(flags.out, chartName), chartLink: chartName, zooCli: cli, contenders: flags["soak-contenders"]?.split(",").map((name) => name.trim()) });
      soakSection = markdown;
    } catch (error) {
      throughput.failures.push(`soak: ${(error as Error).message.split("\n")[0]}`);
    }
  }

  machine.load.end = loadavg()[0];
  const input: ReportInput = {
    date,
    machine,
    versions: await versions(),
    wrk2: await wrk2Candidate(),
    quick: flags.quick,
    settings,
    zoo,
    throughput,
    supervision,
    wake,
  };
  const targets = computeTargets(input);
  let report = renderReport(input, targets) + (tlsSection ? `\n${tlsSection}` : "") + (replicasSection ? `\n${replicasSection}` : "") + (soakSection ? `\n${soakSection}` : "");
  if (cpuProfDir) {
    keepTmp = true;
    const profiles = readdirSync(cpuProfDir).filter((f) => f.endsWith(".cpuprofile"));
    if (profiles.length === 0) log("no CPU profile was written (zoo must exit normally on SIGTERM for --cpu-prof)");
    for (const file of profiles) {
      report += `\n## CPU profile of the throughput zoo\n\n\`\`\`\n${summarizeProfile(join(cpuProfDir, file))}\n\`\`\`\n`;
    }
  }
  console.log(`\n${report}`);

  mkdirSync(flags.out, { recursive: true });
  const base = join(flags.out, `${stamp}Z${flags.quick ? "-quick" : ""}`);
  writeFileSync(`${base}.md`, report);
  writeFileSync(`${base}.json`, JSON.stringify({ ...input, targets, replicas }, null, 2) + "\n");
  log(`wrote ${base}.md and ${base}.json`);

  if (keepTmp) log(`logs kept in ${tmp}`);
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  keepTmp = true;
  console.error(`logs kept in ${tmp}`);
} finally {
  cleanup();
}
process.exit(exitCode);
