// Small GETs over HTTPS, HTTP/1.1 (wrk) and HTTP/2 (h2load), through zoo, nginx and Caddy in front of the same
// upstream with the same certificate (for "localhost", made with openssl). One run each, alternating.
//   node bench/tls.ts [--seconds N]        (also `npm run bench -- --only tls`)
import { execa } from "execa";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { issue, makeCa } from "../test/tls/certs.ts";
import { BENCH_DIR, REPO_DIR, nginxPrefix, zooCli } from "./contenders.ts";
import { requestsPerSecond, runWrk } from "./load.ts";
import { freePort, killAllStarted, pollUntil, startProcess, type Running } from "./proc.ts";

export interface TlsBenchResult {
  name: "zoo" | "nginx" | "caddy";
  h1: { rps: number; p50Ms: number; p99Ms: number; errors: number } | { error: string };
  h2: { rps: number; failed: number } | { error: string };
}

interface Front {
  name: TlsBenchResult["name"];
  port: number;
  process: Running;
}

const CONNECTIONS = 50;
/** h2load: one connection per client, several streams on each. */
const H2_CLIENTS = 10;
const H2_STREAMS = 10;

/** The commands this workload needs beyond the plain bench's (Debian: caddy, nghttp2-client); [] when all are there. */
export async function missingTlsTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, pkg] of [["caddy", "caddy"], ["h2load", "nghttp2-client"], ["openssl", "openssl"]]) {
    if ((await execa("sh", ["-c", `command -v ${command}`], { reject: false })).exitCode !== 0) missing.push(pkg);
  }
  return missing;
}

export async function runTlsBench(options: { tmp: string; seconds: number; log: (line: string) => void }): Promise<{ results: TlsBenchResult[]; markdown: string }> {
  const { tmp, seconds, log } = options;
  const ca = makeCa(mkdtempSync(join(tmp, "tls-")));
  const cert = issue(ca, ["localhost"], { name: "localhost" });
  // Workers of nginx drop to "nobody" when run as root: let them read the key.
  chmodSync(ca.dir, 0o755);
  chmodSync(cert.key, 0o644);
  // zoo runs the upstream as its app (as in the plain bench); nginx and Caddy front the same process.
  const upstreamPort = await freePort();
  const fronts: Front[] = [];
  try {
    fronts.push(await startZooTls(tmp, upstreamPort, cert));
    fronts.push(await startNginxTls(tmp, upstreamPort, cert));
    fronts.push(await startCaddyTls(tmp, upstreamPort, cert));
    const results: TlsBenchResult[] = [];
    for (const front of fronts) {
      const url = `https://localhost:${front.port}/node/`;
      log(`[tls] ${front.name}: ${seconds} s of small GETs over HTTPS/1.1 (wrk -c${CONNECTIONS}), then HTTP/2 (h2load -c${H2_CLIENTS} -m${H2_STREAMS})`);
      await runWrk({ url, connections: 10, seconds: 1 }).catch(() => undefined); // warm-up
      const h1 = await runWrk({ url, connections: CONNECTIONS, seconds }).then(
        (r) => ({ rps: requestsPerSecond(r), p50Ms: r.latency_us.p50 / 1000, p99Ms: r.latency_us.p99 / 1000, errors: r.errors.status + r.errors.connect + r.errors.read + r.errors.timeout }),
        (error: Error) => ({ error: error.message.split("\n")[0] }),
      );
      const h2 = await h2load(url, seconds);
      results.push({ name: front.name, h1, h2 });
    }
    return { results, markdown: render(results, seconds) };
  } finally {
    // zoo last: it owns the upstream.
    for (const front of fronts.reverse()) await front.process.stop(5000);
  }
}

async function h2load(url: string, seconds: number): Promise<TlsBenchResult["h2"]> {
  const { stdout, exitCode, stderr } = await execa("h2load", ["-c", String(H2_CLIENTS), "-m", String(H2_STREAMS), "-D", String(seconds), url], { reject: false });
  const finished = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout);
  const failed = /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(stdout);
  if (!finished || !/Application protocol: h2/.test(stdout)) return { error: `h2load exit ${exitCode}: ${(stderr || stdout).split("\n")[0]}` };
  return { rps: Number(finished[1]), failed: Number(failed?.[1] ?? 0) };
}

async function waitForTls(port: number, proc: Running): Promise<void> {
  await pollUntil(
    `https://localhost:${port}/node/info`,
    async () => ((await execa("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", `https://localhost:${port}/node/info`], { reject: false })).stdout === "200" ? true : undefined),
    { timeoutMs: 20_000, intervalMs: 50, exited: proc.exited },
  );
}

async function startZooTls(tmp: string, upstreamPort: number, cert: { cert: string; key: string }): Promise<Front> {
  const port = await freePort();
  const config = join(tmp, "zoo-tls.config.json");
  writeFileSync(
    config,
    JSON.stringify({
      apps: { upstream: { command: ["node", join(BENCH_DIR, "upstream.ts")], port: upstreamPort } },
      routes: { "/": "upstream" },
      accessLog: false,
      tls: { listen: `127.0.0.1:${port}`, certificates: [cert] },
    }),
  );
  const proc = startProcess("zoo-tls", process.execPath, [zooCli(), "start", "--config", config, "--listen", "127.0.0.1:0"], {
    cwd: REPO_DIR,
    env: { ...process.env, PATH: `${join(REPO_DIR, "node_modules", ".bin")}:${process.env.PATH ?? ""}` },
    logFile: join(tmp, "zoo-tls.log"),
  });
  await waitForTls(port, proc);
  return { name: "zoo", port, process: proc };
}

async function startNginxTls(tmp: string, upstreamPort: number, cert: { cert: string; key: string }): Promise<Front> {
  const { prefix, conf, head } = nginxPrefix(tmp, "nginx-tls");
  const port = await freePort();
  writeFileSync(
    conf,
    `${head}  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${cert.cert};
    ssl_certificate_key ${cert.key};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`,
  );
  const proc = startProcess("nginx-tls", "nginx", ["-p", prefix, "-c", conf, "-e", join(prefix, "error.log")], { logFile: join(prefix, "stdout.log") });
  await waitForTls(port, proc);
  return { name: "nginx", port, process: proc };
}

async function startCaddyTls(tmp: string, upstreamPort: number, cert: { cert: string; key: string }): Promise<Front> {
  const dir = join(tmp, "caddy");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const caddyfile = join(dir, "Caddyfile");
  writeFileSync(
    caddyfile,
    `{
  admin off
  auto_https disable_redirects
  storage file_system ${dir}/data
}
https://localhost:${port} {
  bind 127.0.0.1
  tls ${cert.cert} ${cert.key}
  reverse_proxy 127.0.0.1:${upstreamPort}
}
`,
  );
  const proc = startProcess("caddy", "caddy", ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") },
    logFile: join(dir, "caddy.log"),
  });
  await waitForTls(port, proc);
  return { name: "caddy", port, process: proc };
}

function render(results: TlsBenchResult[], seconds: number): string {
  const cell = (value: number, digits = 0) => value.toFixed(digits);
  const lines = [
    "## Small GETs over HTTPS (HTTP/1.1 and HTTP/2)",
    "",
    `One run of ${seconds} s each, same upstream and same certificate (ECDSA P-256, "localhost"). HTTP/1.1: wrk, 1 thread, ${CONNECTIONS} connections;`,
    `HTTP/2: h2load, ${H2_CLIENTS} connections × ${H2_STREAMS} streams (h2load counts streams cut at the end of the run as failed).`,
    "Connections are opened once at the start of each run: this measures requests over TLS, not handshakes.",
    "",
    "| front | HTTPS/1.1 req/s | p50 ms | p99 ms | errors | HTTP/2 req/s | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { name, h1, h2 } of results) {
    const one = "error" in h1 ? `error: ${h1.error} | | | ` : `${cell(h1.rps)} | ${cell(h1.p50Ms, 2)} | ${cell(h1.p99Ms, 2)} | ${h1.errors}`;
    const two = "error" in h2 ? `error: ${h2.error} | ` : `${cell(h2.rps)} | ${h2.failed}`;
    lines.push(`| ${name} | ${one} | ${two} |`);
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" } } });
  const tmp = mkdtempSync(join(tmpdir(), "zoo-bench-tls-"));
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
  try {
    const { markdown } = await runTlsBench({ tmp, seconds: Number(values.seconds), log });
    console.log(`\n${markdown}`);
  } finally {
    killAllStarted();
    rmSync(tmp, { recursive: true, force: true });
  }
}
