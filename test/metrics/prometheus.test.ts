// A real Prometheus (Debian's `prometheus`) scrapes a real zoo every second: requests sent through zoo show up in
// zoo_http_requests_total, every app is up, and `promtool check metrics` accepts what zoo serves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT, freePort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { boundPort } from "./helpers.ts";

const SERVER = join(ROOT, "fixtures/supervisor/server.js");
const REQUESTS = 12;

/** Starts Prometheus on a free loopback port with a temporary data directory, scraping `target` every second. */
async function startPrometheus(target: string): Promise<{ url: string; child: ChildProcess; output: () => string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "zoo-prometheus-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: zoo
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["${target}"]
`,
  );
  const port = await freePort();
  const child = spawn(
    "prometheus",
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = once(child, "exit");
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One instant query's samples: [{ labels, value }]. Rejects on an HTTP or query error. */
async function query(prometheus: string, promql: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(3000) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== "success") throw new Error(`${promql}: ${body.error}`);
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** Polls `check` every 500 ms until it returns true; fails with `describe()` after timeoutMs. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(500);
  }
  assert.fail(`not within ${timeoutMs} ms: ${describe()}`);
}

test("Prometheus scrapes zoo: requests counted by route and app, every app up, promtool accepts the output", { timeout: 180_000 }, async (t) => {
  const { file } = tempConfig({
    apps: {
      web: { command: [process.execPath, SERVER] },
      api: { command: [process.execPath, SERVER] },
    },
    routes: { "/": "web", "/api": "api" },
    metrics: { listen: "127.0.0.1:0" },
    accessLog: false,
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const port = await boundPort(zoo);
  const metricsUrl = (await zoo.waitFor(/metrics on http:\/\/\S+\/metrics/, 60_000)).replace(/^metrics on /, "");
  await zoo.waitFor(/web: ready/, 60_000);
  await zoo.waitFor(/api: ready/, 60_000);

  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/api/items/${i}?q=${i}`);
    assert.equal(res.status, 200);
    await res.text();
  }
  const home = await fetch(`http://127.0.0.1:${port}/`);
  await home.text();

  const text = await (await fetch(metricsUrl)).text();
  const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", timeout: 10_000 });
  assert.equal(lint.error, undefined, "promtool runs (Debian package prometheus)");
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  assert.equal((lint.stdout + lint.stderr).trim(), "");

  const prometheus = await startPrometheus(new URL(metricsUrl).host);
  t.after(() => prometheus.stop());
  let last = "";
  await eventually(
    async () => {
      const requests = await query(prometheus.url, 'sum by (route, app, method, code) (zoo_http_requests_total{route="/api"})');
      const up = await query(prometheus.url, "zoo_app_up");
      const scraped = await query(prometheus.url, 'up{job="zoo"}');
      last = JSON.stringify({ requests, up, scraped });
      return (
        requests.length === 1 &&
        requests[0].value === REQUESTS &&
        requests[0].labels.app === "api" &&
        requests[0].labels.method === "GET" &&
        requests[0].labels.code === "200" &&
        up.length === 2 &&
        up.every((sample) => sample.value === 1) &&
        scraped[0]?.value === 1
      );
    },
    90_000,
    () => `Prometheus did not show ${REQUESTS} requests to /api and both apps up; last answer: ${last}\nprometheus output:\n${prometheus.output()}`,
  );

  // The app side through Prometheus too: the web app's tree uses memory, and the held-request and duration
  // series exist under route labels only (never a raw path).
  const memory = await query(prometheus.url, 'zoo_app_resident_memory_bytes{app="web"}');
  assert.ok(memory[0]?.value > 1e6, JSON.stringify(memory));
  const series = await query(prometheus.url, '{__name__=~"zoo_http_.*"}');
  assert.ok(series.length > 0);
  for (const sample of series) assert.ok(["/", "/api", "-"].includes(sample.labels.route), `route label ${sample.labels.route}`);
});
