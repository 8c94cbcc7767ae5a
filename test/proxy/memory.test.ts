// A 1 GB body streamed through the real zoo process, whose RSS is sampled from /proc during the transfer.
//
// The baseline is zoo at rest after one small request, so the bound covers everything the transfer costs:
// buffering the body would grow with its size, and so would read buffers left for a late garbage collection
// (see keepStreamBuffersShortLived in src/main.ts: without it RSS grows ~110 MB here).
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { listeningPort, ROOT, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { TestGate } from "./helpers/gate.ts";
import { app, startProxy, upstream } from "./helpers/net.ts";
import { rss } from "./helpers/process.ts";

const MB = 1024 ** 2;
const GB = 1024 * MB;

/** POSTs `size` bytes to the echoing app through zoo and returns how many came back. */
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

test("1 GB up and back down through zoo: its memory grows by less than 50 MB", { timeout: 90_000 }, async (t) => {
  // The app echoes the body back as it arrives: the bytes cross zoo in both directions at once.
  const { file } = tempConfig({
    accessLog: false,
    apps: { echo: { command: [process.execPath, join(ROOT, "fixtures/supervisor/echo.js")], stopTimeout: "2s" } },
    routes: { "/": "echo" },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/echo.*ready/);
  const pid = zoo.child.pid!;

  assert.equal(await echoThrough(port, 64 * 1024), 64 * 1024);
  const atRest = await rss(pid);
  const peak = await peakRss(pid, async () => assert.equal(await echoThrough(port, GB), GB));
  const growth = peak - atRest;
  t.diagnostic(`RSS at rest ${(atRest / MB).toFixed(0)} MB, peak over 1 GB ${(peak / MB).toFixed(0)} MB`);
  assert.ok(growth < 50 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB while 1 GB went through`);
});

/** Resolves once `read()` has returned the same value `times` polls in a row, 50 ms apart; returns it. */
async function settled(read: () => number, times = 4): Promise<number> {
  let last = read();
  for (let same = 0; same < times; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

test("a client that stops reading stops the app's writes: the body waits in socket buffers, not in zoo", async (t) => {
  const size = 256 * MB;
  let written = 0;
  const up = await upstream(t, (_req, res) => {
    const chunk = Buffer.alloc(64 * 1024, "d");
    res.writeHead(200, { "content-length": size });
    const writeMore = () => {
      while (written < size) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", writeMore);
      }
      res.end();
    };
    writeMore();
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http.get({ host: "127.0.0.1", port, path: "/", agent: false }, resolve).on("error", reject),
  );
  res.pause();
  const stalled = await settled(() => written);
  t.diagnostic(`the app wrote ${(stalled / MB).toFixed(1)} MB before the paused client held it back`);
  assert.ok(stalled < 64 * MB, `the app wrote ${(stalled / MB).toFixed(1)} MB into a client that reads nothing`);

  let received = 0;
  res.on("data", (c: Buffer) => (received += c.length));
  res.resume();
  await new Promise((resolve) => res.on("end", resolve));
  assert.equal(received, size, "every byte arrives once the client reads again");
});
