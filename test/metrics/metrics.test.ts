// The metrics listener on a real socket: request metrics fed through the observer interface, app metrics read from
// real processes in /proc, and promtool's lint over the output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { MetricsServer, type AppSample } from "../../src/metrics/server.ts";
import { readUsage } from "../../src/metrics/proc.ts";
import { value } from "./helpers.ts";

const STATES = ["idle", "sleeping", "starting", "ready", "unhealthy", "stopping", "backoff", "stopped", "failed"];


async function scrape(port: number): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

function promtool(text: string): { code: number | null; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", timeout: 10_000 });
  return { code: result.status, output: result.stdout + result.stderr };
}

/**
 * A child that burns about `ms` of CPU, allocates ~`mb` MB, then waits to be killed. It counts its own CPU time, not
 * the clock's: on a loaded machine `ms` of wall time can be much less CPU.
 */
function busyChild(ms: number, mb: number) {
  const burnt = "(() => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; })()";
  const script = `const b = Buffer.alloc(${mb} * 1e6, 1); while (${burnt} < ${ms}); console.log("done " + b.length); setInterval(() => {}, 1e6);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const done = once(child.stdout!, "data");
  return { child, done };
}

test("request metrics by route, app, method and code; durations, bytes, in flight, upstream errors, held requests", async (t) => {
  const metrics = new MetricsServer({ apps: () => [], processes: () => [], states: STATES });
  const port = await metrics.listen("127.0.0.1", 0);
  t.after(() => metrics.close());
  const base = { path: "/node/x?secret=1", requestId: "r", websocket: false, bytesIn: 0 };
  const observer = metrics.requests;

  observer.start({ route: "/node", app: "node" });
  observer.start({ route: "/node", app: "node" });
  let text = (await scrape(port)).text;
  assert.equal(value(text, 'zoo_http_requests_in_flight{route="/node",app="node"}'), 2);

  observer.end({ ...base, method: "GET", route: "/node", app: "node", status: 200, bytesOut: 1000, durationMs: 20, headersMs: 3 });
  observer.end({ ...base, method: "POST", route: "/node", app: "node", status: 502, bytesIn: 50, bytesOut: 10, durationMs: 4, headersMs: 4, upstreamError: "refused", heldMs: 700 });
  observer.start({ route: "-" });
  observer.end({ ...base, method: "PROPFIND", route: "-", status: 404, bytesOut: 9, durationMs: 1, headersMs: 1 });
  observer.start({ route: "/node", app: "node" });
  observer.end({ ...base, method: "GET", route: "/node", app: "node", status: 101, bytesIn: 5, bytesOut: 7, durationMs: 90_000, websocket: true });

  const scraped = await scrape(port);
  text = scraped.text;
  assert.equal(scraped.status, 200);
  assert.match(scraped.type ?? "", /^text\/plain; version=0\.0\.4/);
  assert.equal(value(text, 'zoo_http_requests_in_flight{route="/node",app="node"}'), 0);
  assert.equal(value(text, 'zoo_http_requests_total{route="/node",app="node",method="GET",code="200"}'), 1);
  assert.equal(value(text, 'zoo_http_requests_total{route="/node",app="node",method="POST",code="502"}'), 1);
  assert.equal(value(text, 'zoo_http_requests_total{route="/node",app="node",method="GET",code="101"}'), 1);
  assert.equal(value(text, 'zoo_http_requests_total{route="-",app="",method="OTHER",code="404"}'), 1, "unknown methods are OTHER");
  assert.equal(value(text, 'zoo_http_request_bytes_total{route="/node",app="node"}'), 55);
  assert.equal(value(text, 'zoo_http_response_bytes_total{route="/node",app="node"}'), 1017);
  // The WebSocket is counted but stays out of the duration histograms.
  assert.equal(value(text, 'zoo_http_request_duration_seconds_count{route="/node",app="node"}'), 2);
  assert.equal(value(text, 'zoo_http_request_duration_seconds_sum{route="/node",app="node"}'), 0.024);
  assert.equal(value(text, 'zoo_http_request_duration_seconds_bucket{le="0.005",route="/node",app="node"}'), 1);
  assert.equal(value(text, 'zoo_http_response_headers_seconds_sum{route="/node",app="node"}'), 0.007);
  assert.equal(value(text, 'zoo_upstream_errors_total{route="/node",app="node",kind="refused"}'), 1);
  assert.equal(value(text, 'zoo_held_requests_total{route="/node",app="node"}'), 1);
  assert.equal(value(text, 'zoo_held_duration_seconds_bucket{le="1",route="/node",app="node"}'), 1);
  assert.equal(value(text, 'zoo_held_duration_seconds_bucket{le="0.5",route="/node",app="node"}'), 0);
  assert.doesNotMatch(text, /secret|\/node\/x/, "never the raw path");
  // zoo's own process metrics (prom-client's defaults).
  assert.ok(value(text, "process_cpu_seconds_total")! > 0);
  assert.ok(value(text, "process_resident_memory_bytes")! > 1e6);

  const lint = promtool(text);
  assert.equal(lint.code, 0, lint.output);
  assert.equal(lint.output.trim(), "", "promtool has no complaints");

  const notFound = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(notFound.status, 404);
  await notFound.text();
});

test("app metrics: up, one-hot state, restarts, wakes, last exit code, time to ready, CPU and memory of real processes", async (t) => {
  const busy = busyChild(400, 40);
  const idle = busyChild(0, 0);
  t.after(() => {
    busy.child.kill("SIGKILL");
    idle.child.kill("SIGKILL");
  });
  await Promise.all([busy.done, idle.done]);
  const apps: AppSample[] = [
    { name: "web", state: "ready", restarts: 2, wakes: 0, startedAt: 1000, readyAt: 1750, lastExit: { code: null, signal: "SIGKILL" } },
    { name: "worker", state: "backoff", restarts: 5, wakes: 3, startedAt: 2000, lastExit: { code: 3, signal: null } },
  ];
  const processes: Record<string, number[]> = { web: [busy.child.pid!, idle.child.pid!], worker: [] };
  let lookups = 0;
  const metrics = new MetricsServer({
    apps: () => apps,
    processes: (app) => (lookups++, processes[app]),
    states: STATES,
  });
  const port = await metrics.listen("127.0.0.1", 0);
  t.after(() => metrics.close());

  const { text } = await scrape(port);
  assert.equal(lookups, 2, "one /proc reading per app per scrape, shared by every app metric");
  assert.equal(value(text, 'zoo_app_up{app="web",replica="0"}'), 1);
  assert.equal(value(text, 'zoo_app_up{app="worker",replica="0"}'), 0);
  assert.equal(value(text, 'zoo_app_state{app="web",replica="0",state="ready"}'), 1);
  assert.equal(value(text, 'zoo_app_state{app="web",replica="0",state="backoff"}'), 0);
  assert.equal(value(text, 'zoo_app_state{app="worker",replica="0",state="backoff"}'), 1);
  assert.equal(text.match(/^zoo_app_state\{app="worker",replica="0"/gm)?.length, STATES.length);
  assert.equal(value(text, 'zoo_app_restarts_total{app="web",replica="0"}'), 2);
  assert.equal(value(text, 'zoo_app_wakes_total{app="worker",replica="0"}'), 3);
  assert.equal(value(text, 'zoo_app_last_exit_code{app="web",replica="0"}'), 137);
  assert.equal(value(text, 'zoo_app_last_exit_code{app="worker",replica="0"}'), 3);
  assert.equal(value(text, 'zoo_app_ready_seconds{app="web",replica="0"}'), 0.75);
  assert.equal(value(text, 'zoo_app_ready_seconds{app="worker",replica="0"}'), undefined, "not ready in this run: no value");
  assert.equal(value(text, 'zoo_app_processes{app="web",replica="0"}'), 2);

  const cpu = value(text, 'zoo_app_cpu_seconds_total{app="web",replica="0"}')!;
  const expected = readUsage([busy.child.pid!, idle.child.pid!]);
  assert.ok(cpu >= 0.3 && cpu <= expected.cpuSeconds, `CPU ${cpu}s: at least the 0.4 s burnt, at most a later reading (${expected.cpuSeconds})`);
  const rss = value(text, 'zoo_app_resident_memory_bytes{app="web",replica="0"}')!;
  assert.ok(rss > 40e6 + 2 * 20e6 && rss < 400e6, `RSS ${rss}: two node processes, one holding 40 MB`);
  assert.equal(value(text, 'zoo_app_cpu_seconds_total{app="worker",replica="0"}'), 0);

  // A new run (another start time) starts its tree's CPU from zero: the counter keeps what the last run used.
  apps[0] = { ...apps[0], startedAt: 5000 };
  processes.web = [idle.child.pid!];
  const after = value((await scrape(port)).text, 'zoo_app_cpu_seconds_total{app="web",replica="0"}')!;
  assert.ok(after >= cpu, `the counter never goes down across runs (${cpu} → ${after})`);

  const lint = promtool(text);
  assert.equal(lint.code, 0, lint.output);
});
