// Load generators: wrk for HTTP (bounded in time), curl for the 1 GiB streams, a Node child for WebSocket echo.
import { execa } from "execa";
import { join } from "node:path";
import { BENCH_DIR } from "./contenders.ts";

export interface WrkResult {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export interface WrkOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Fixed-rate mode: each connection waits this long after every response (see wrk/fixed-rate.lua). */
  delayMs?: number;
  /** Per-request timeout; wrk counts slower responses as timeouts. */
  timeoutSeconds?: number;
  /** Request headers, "Name: value". */
  headers?: string[];
}

const REPORT_LUA = join(BENCH_DIR, "wrk", "report.lua");
const FIXED_RATE_LUA = join(BENCH_DIR, "wrk", "fixed-rate.lua");

/** Starts wrk (one thread); await `.result` for the parsed summary. */
export function startWrk(options: WrkOptions): { result: Promise<WrkResult>; kill(): void } {
  const script = options.delayMs === undefined ? REPORT_LUA : FIXED_RATE_LUA;
  const args = [
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    `--timeout`,
    `${options.timeoutSeconds ?? 5}s`,
    ...(options.headers ?? []).flatMap((header) => ["-H", header]),
    "-s",
    script,
    options.url,
  ];
  const child = execa("wrk", args, {
    reject: false,
    env: { WRK_REPORT_LUA: REPORT_LUA, DELAY_MS: String(options.delayMs ?? 0) },
  });
  const result = child.then((done) => {
    const line = String(done.stdout)
      .split("\n")
      .find((l) => l.startsWith("WRK-JSON "));
    if (!line) throw new Error(`wrk ${args.join(" ")} failed (exit ${done.exitCode}): ${done.stderr || done.stdout}`);
    return JSON.parse(line.slice("WRK-JSON ".length)) as WrkResult;
  });
  return { result, kill: () => child.kill("SIGKILL") };
}

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  return startWrk(options).result;
}

export const failedRequests = (r: WrkResult): number =>
  r.errors.connect + r.errors.read + r.errors.write + r.errors.status + r.errors.timeout;

export const requestsPerSecond = (r: WrkResult): number => r.requests / (r.duration_us / 1e6);

export interface TransferResult {
  bytes: number;
  seconds: number;
  status: number;
}

/** Downloads url to /dev/null with curl. */
export async function curlDownload(url: string): Promise<TransferResult> {
  const { stdout } = await execa("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", url]);
  const [status, bytes, seconds] = stdout.trim().split(" ").map(Number);
  return { status, bytes, seconds };
}

/** PUTs a file with curl (Content-Length, no Expect: 100-continue); bytes is what the upstream counted. */
export async function curlUpload(url: string, file: string): Promise<TransferResult> {
  const { stdout } = await execa("curl", [
    "-sS",
    "-T",
    file,
    "-H",
    "Expect:",
    "-w",
    "\n%{http_code} %{size_upload} %{time_total}",
    url,
  ]);
  const [body, summary] = stdout.split("\n");
  const [status, , seconds] = summary.trim().split(" ").map(Number);
  let bytes = 0;
  try {
    bytes = (JSON.parse(body) as { bytes: number }).bytes;
  } catch {
    bytes = 0;
  }
  return { status, bytes, seconds };
}

export interface EchoResult {
  messages: number;
  seconds: number;
  errors: number;
}

/** WebSocket echo from a separate Node process (bench/ws-load.ts). */
export async function runWsEcho(url: string, connections: number, seconds: number): Promise<EchoResult> {
  const { stdout } = await execa(process.execPath, [join(BENCH_DIR, "ws-load.ts"), url, String(connections), String(seconds)]);
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as EchoResult;
}
