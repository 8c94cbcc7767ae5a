// What the benchmark puts load through: the upstream itself (direct), zoo, zoo with metrics on, nginx and the
// seed-style Go proxy here; caddy, haproxy and the bare Node floors in peers.ts. Each is started on a free loopback
// port and answers /node/info once ready.
import { execa } from "execa";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { descendantsOf, freePort, httpGet, pollUntil, startProcess, type Running } from "./proc.ts";

export type ContenderName = "direct" | "zoo" | "zoo+metrics" | "nginx" | "go-proxy" | "caddy" | "haproxy" | "node-floor" | "undici-floor";

/** Report order. */
export const CONTENDER_NAMES: ContenderName[] = ["direct", "zoo", "zoo+metrics", "nginx", "go-proxy", "caddy", "haproxy", "node-floor", "undici-floor"];

export interface Contender {
  name: ContenderName;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The process that does the proxying (absent for direct). */
  process?: Running;
  /** The processes whose CPU time is the proxy's (default: process); for direct, the upstream's. */
  cpuPids?: () => number[];
  /** A bare floor: measured on small GETs, fixed rate and 1 MiB responses only (no upgrades, no long streams). */
  floor?: boolean;
  stop(): Promise<void>;
}

export const BENCH_DIR = import.meta.dirname;
export const REPO_DIR = join(BENCH_DIR, "..");

/** Waits until GET origin/node/info answers 200 and returns its JSON. */
export async function waitForUpstreamInfo(
  origin: string,
  timeoutMs: number,
  exited?: Promise<unknown>,
): Promise<{ pid: number; port: number; listeningAt: number }> {
  return pollUntil(
    `${origin}/node/info`,
    async () => {
      const res = await httpGet(`${origin}/node/info`, 2000);
      return res.status === 200 ? JSON.parse(res.body) : undefined;
    },
    { timeoutMs, intervalMs: 5, exited },
  );
}

export function direct(upstreamPort: number, upstreamPid: number): Contender {
  return { name: "direct", origin: `http://127.0.0.1:${upstreamPort}`, cpuPids: () => [upstreamPid], stop: async () => {} };
}

/** The upstream started by the bench itself (when zoo is not in the run, so it cannot own it). */
export async function startUpstream(port: number, tmp: string): Promise<Running> {
  const proc = startProcess("upstream", process.execPath, [join(BENCH_DIR, "upstream.ts"), String(port)], {
    logFile: join(tmp, "upstream.log"),
  });
  await waitForUpstreamInfo(`http://127.0.0.1:${port}`, 10_000, proc.exited);
  return proc;
}

/**
 * An nginx prefix under `tmp` (its temp dirs usable by workers running as "nobody") and the start of a config for it:
 * a non-daemon with worker_processes auto, no access log, temp paths in the prefix, the `http {` block left open.
 */
export function nginxPrefix(tmp: string, name: string): { prefix: string; conf: string; head: string } {
  const prefix = join(tmp, name);
  mkdirSync(join(prefix, "temp"), { recursive: true });
  // Workers drop to "nobody" when the master runs as root: let them use the temp dirs.
  chmodSync(tmp, 0o755);
  chmodSync(prefix, 0o755);
  chmodSync(join(prefix, "temp"), 0o777);
  const head = `daemon off;
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/temp/body;
  proxy_temp_path ${prefix}/temp/proxy;
  fastcgi_temp_path ${prefix}/temp/fastcgi;
  uwsgi_temp_path ${prefix}/temp/uwsgi;
  scgi_temp_path ${prefix}/temp/scgi;
`;
  return { prefix, conf: join(prefix, "nginx.conf"), head };
}

/** Debian nginx-light as a non-daemon with a temp prefix: worker_processes auto, upstream keepalive. */
export async function startNginx(upstreamPort: number, tmp: string): Promise<Contender> {
  const { prefix, conf, head } = nginxPrefix(tmp, "nginx");
  const port = await freePort();
  writeFileSync(
    conf,
    `${head}  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 120s;
    }
  }
}
`,
  );
  const proc = startProcess("nginx", "nginx", ["-p", prefix, "-c", conf, "-e", join(prefix, "error.log")], {
    logFile: join(prefix, "stdout.log"),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForUpstreamInfo(origin, 10_000, proc.exited);
  // The master and its workers (worker_processes auto: one per core).
  const cpuPids = () => [proc.pid, ...descendantsOf(proc.pid)];
  return { name: "nginx", origin, process: proc, cpuPids, stop: async () => void (await proc.stop(5000)) };
}

/** Builds bench/goproxy with the installed Go into tmp (never a committed binary) and starts it. */
export async function startGoProxy(upstreamPort: number, tmp: string): Promise<Contender> {
  const binary = join(tmp, "goproxy");
  await execa("go", ["build", "-o", binary, "."], { cwd: join(BENCH_DIR, "goproxy") });
  const port = await freePort();
  const proc = startProcess("go-proxy", binary, ["-listen", `127.0.0.1:${port}`, "-upstream", `http://127.0.0.1:${upstreamPort}`], {
    logFile: join(tmp, "goproxy.log"),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForUpstreamInfo(origin, 10_000, proc.exited);
  return { name: "go-proxy", origin, process: proc, stop: async () => void (await proc.stop(5000)) };
}

export interface ZooOptions {
  configPath: string;
  env?: Record<string, string>;
  tmp: string;
  logName: string;
  /** Directory for `node --cpu-prof` output; no profiling when absent. */
  cpuProfDir?: string;
  /** Another zoo than zooCli(): a file `node` runs, or an executable (the single executable). */
  cli?: string;
}

let zooCliOverride: string | undefined;

/** The zoo CLI the bench runs: src/cli.ts, the compiled build (--compiled), or BENCH_ZOO_CLI. */
export function zooCli(): string {
  return zooCliOverride ?? process.env.BENCH_ZOO_CLI ?? join(REPO_DIR, "src", "cli.ts");
}

/**
 * Builds zoo as the npm package ships it (`npm run build`: dist/, and the malloc_trim addon in native/build/, which
 * dist/ finds one level up) and makes the bench run dist/cli.js instead of src/cli.ts.
 */
export async function useCompiledZoo(): Promise<string> {
  await execa("npm", ["run", "build"], { cwd: REPO_DIR });
  zooCliOverride = join(REPO_DIR, "dist", "cli.js");
  return zooCliOverride;
}

/** `node src/cli.ts start --config CONFIG --listen 127.0.0.1:PORT`; returns before zoo is ready. */
export async function spawnZoo(options: ZooOptions): Promise<{ proc: Running; origin: string; port: number }> {
  const port = await freePort();
  const nodeFlags = options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const cli = options.cli ?? zooCli();
  const executable = !/\.[cm]?[jt]s$/.test(cli);
  const proc = startProcess(
    "zoo",
    executable ? cli : process.execPath,
    [...(executable ? [] : [...nodeFlags, cli]), "start", "--config", options.configPath, "--listen", `127.0.0.1:${port}`],
    {
      cwd: REPO_DIR,
      env: { ...process.env, ...options.env, PATH: `${join(REPO_DIR, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
      logFile: join(options.tmp, options.logName),
    },
  );
  return { proc, origin: `http://127.0.0.1:${port}`, port };
}

/**
 * A second zoo with `"metrics"` on, otherwise the bench config: it owns its own copy of the upstream (same code,
 * another port), so metrics on and off are measured side by side in one run. `metricsUrl` is its /metrics.
 */
export async function startMetricsZoo(benchConfig: string, tmp: string): Promise<Contender & { metricsUrl: string }> {
  const upstreamPort = await freePort();
  const metricsPort = await freePort();
  const config = JSON.parse(readFileSync(benchConfig, "utf8"));
  delete config.$schema;
  for (const app of Object.values(config.apps) as { cwd?: string }[]) app.cwd ??= BENCH_DIR;
  config.metrics = { listen: `127.0.0.1:${metricsPort}` };
  const configPath = join(tmp, "zoo-metrics.bench.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const { proc, origin } = await spawnZoo({ configPath, env: { BENCH_UPSTREAM_PORT: String(upstreamPort) }, tmp, logName: "zoo-metrics.log" });
  try {
    await waitForUpstreamInfo(origin, 30_000, proc.exited);
  } catch (error) {
    await proc.stop(3000);
    throw error;
  }
  return { name: "zoo+metrics", origin, process: proc, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, stop: async () => void (await proc.stop(5000)) };
}
