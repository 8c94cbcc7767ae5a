// A 1 GB body streamed through a proxy in its own process, whose RSS is sampled from /proc during the transfer.
//
// What is measured: the peak RSS while 1 GB goes up and back down, against the peak during a 256 MB warm-up
// transfer. Streaming alone makes any Node process's RSS rise by ~60-90 MB here (read buffers are garbage
// until V8's external-memory GC trigger, ~64 MB, fires; a bare `req.pipe(http.request())` proxy shows the
// same), so a baseline taken at rest would measure V8's GC pacing rather than zoo. Buffering the body would
// grow with its size: 1 GB against 256 MB.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { upstream } from "./helpers/net.ts";
import { rss, serveInProcess } from "./helpers/process.ts";

const MB = 1024 ** 2;
const GB = 1024 * MB;

/** POSTs `size` bytes to an echoing app through the proxy and returns how many came back. */
async function echoThrough(port: number, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, "z");
  const body = Readable.from(
    (function* () {
      for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
    })(),
  );
  const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/big", agent: false, headers: { "content-length": size } });
  const received = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve(bytes));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  await pipeline(body, req);
  return received;
}

/** Runs `work` while sampling the process's RSS every 25 ms; returns the peak. */
async function peakRss(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = await rss(pid);
  const sampler = setInterval(() => void rss(pid).then((value) => (peak = Math.max(peak, value)), () => {}), 25);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, await rss(pid));
}

test("1 GB up and back down through zoo: memory does not grow with the body", { timeout: 60_000 }, async (t) => {
  // The app echoes the body back as it arrives: the bytes cross the proxy in both directions at once.
  const up = await upstream(t, (req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    req.pipe(res);
  });
  const { child, port } = await serveInProcess(t, {
    routes: [{ prefix: "/", kind: "app", app: "echo", stripPrefix: false }],
    apps: { echo: { port: up.port } },
  });
  const pid = child.pid!;
  const atRest = await rss(pid);
  const warm = await peakRss(pid, async () => assert.equal(await echoThrough(port, 256 * MB), 256 * MB));
  const peak = await peakRss(pid, async () => assert.equal(await echoThrough(port, GB), GB));
  const growth = peak - warm;
  t.diagnostic(`RSS at rest ${(atRest / MB).toFixed(0)} MB, peak over 256 MB ${(warm / MB).toFixed(0)} MB, over 1 GB ${(peak / MB).toFixed(0)} MB`);
  assert.ok(growth < 50 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB more for 1 GB than for 256 MB`);
});
