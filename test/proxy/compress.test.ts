// compress on a route: negotiation from Accept-Encoding with q-values, what is skipped, the head of a compressed
// response (Vary, no Content-Length, weak ETag), over the plain listener and HTTPS/HTTP/2, on app and static routes;
// streaming with backpressure (memory stays flat over 1 GiB, a paused client pauses the app, a pausing app's data is
// flushed), and the bodies decoded by real clients: curl --compressed, Python's brotli and zstandard.
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { finished } from "node:stream/promises";
import { promisify } from "node:util";
import zlib from "node:zlib";
import type { Route } from "../../src/config/types.ts";
import { DEFAULT_COMPRESS_MIN_LENGTH, DEFAULT_COMPRESS_TYPES } from "../../src/config/types.ts";
import { negotiateEncoding } from "../../src/proxy/compress.ts";
import { HOST, WIRES, ca, fetchRaw, startBoth } from "./helpers/both.ts";
import { TestGate } from "./helpers/gate.ts";
import { upstream, until } from "./helpers/net.ts";
import { rss, serveInProcess } from "./helpers/process.ts";

const run = promisify(execFile);
const MB = 1024 * 1024;
const compress = { types: [...DEFAULT_COMPRESS_TYPES], minLength: DEFAULT_COMPRESS_MIN_LENGTH };
const JSON_BODY = JSON.stringify(Array.from({ length: 1500 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ["alpha", "beta"], score: i * 0.5 })));

function decode(encoding: string | undefined, body: Buffer): string {
  switch (encoding) {
    case "zstd":
      return zlib.zstdDecompressSync(body).toString();
    case "br":
      return zlib.brotliDecompressSync(body).toString();
    case "gzip":
      return zlib.gunzipSync(body).toString();
    default:
      return body.toString();
  }
}

/** An app with one path per case. */
function app(t: test.TestContext) {
  return upstream(t, (req, res) => {
    const send = (headers: http.OutgoingHttpHeaders, body: string | Buffer, status = 200) => {
      res.writeHead(status, { "content-length": Buffer.byteLength(body), ...headers });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    switch (req.url) {
      case "/json":
        return send({ "content-type": "application/json; charset=utf-8", etag: '"v1"', vary: "Origin" }, JSON_BODY);
      case "/chunked":
        res.writeHead(200, { "content-type": "text/plain" });
        res.write(JSON_BODY.slice(0, 1000));
        return res.end(JSON_BODY.slice(1000));
      case "/small":
        return send({ "content-type": "text/plain" }, "x".repeat(100));
      case "/png":
        return send({ "content-type": "image/png" }, JSON_BODY);
      case "/gzipped":
        return send({ "content-type": "application/json", "content-encoding": "gzip" }, zlib.gzipSync(JSON_BODY));
      case "/range":
        return send({ "content-type": "application/json", "content-range": `bytes 0-999/${JSON_BODY.length}` }, JSON_BODY.slice(0, 1000), 206);
      case "/no-transform":
        return send({ "content-type": "application/json", "cache-control": "public, no-transform" }, JSON_BODY);
      case "/events":
        return send({ "content-type": "text/event-stream" }, JSON_BODY);
      default:
        return send({ "content-type": "text/plain" }, "not found", 404);
    }
  });
}

test("Accept-Encoding: the highest q-value wins, ties go to zstd, then br, then gzip", () => {
  assert.equal(negotiateEncoding(undefined), undefined);
  assert.equal(negotiateEncoding("gzip, deflate, br, zstd"), "zstd");
  assert.equal(negotiateEncoding("gzip, deflate, br"), "br");
  assert.equal(negotiateEncoding("gzip;q=1, br;q=0.5"), "gzip");
  assert.equal(negotiateEncoding("br;q=0, gzip;q=0.1"), "gzip");
  assert.equal(negotiateEncoding("*"), "zstd");
  assert.equal(negotiateEncoding("*;q=0.5, zstd;q=0"), "br");
  assert.equal(negotiateEncoding("identity"), undefined);
  assert.equal(negotiateEncoding("x-gzip"), "gzip");
  assert.equal(negotiateEncoding("deflate, compress"), undefined);
});

describe("compress over HTTP/1.1 and HTTP/2", () => {
  for (const wire of WIRES) {
    test(`${wire}: each encoding the client accepts, with Vary, no Content-Length and a weak ETag`, async (t) => {
      const up = await app(t);
      const proxy = await startBoth(t, [{ prefix: "/", kind: "app", app: "web", stripPrefix: false, compress }], new TestGate({ web: { port: up.port } }));
      for (const [accept, expected] of [
        ["gzip, deflate, br, zstd", "zstd"],
        ["gzip, br", "br"],
        ["gzip", "gzip"],
      ] as const) {
        for (const path of ["/json", "/chunked"]) {
          const reply = await fetchRaw(wire, proxy, path, { headers: { "accept-encoding": accept } });
          assert.equal(reply.status, 200);
          assert.equal(reply.headers["content-encoding"], expected, `${path} with ${accept}`);
          assert.equal(reply.headers["content-length"], undefined);
          assert.equal(decode(expected, reply.body), JSON_BODY);
          assert.ok(reply.body.length < JSON_BODY.length / 4, `${expected}: ${reply.body.length} bytes`);
          assert.match(String(reply.headers["x-request-id"]), /./);
        }
        const json = await fetchRaw(wire, proxy, "/json", { headers: { "accept-encoding": accept } });
        assert.equal(json.headers.etag, 'W/"v1"');
        assert.equal(json.headers.vary, "Origin, Accept-Encoding");
      }
      const plain = await fetchRaw(wire, proxy, "/json");
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.equal(plain.headers["content-length"], String(JSON_BODY.length));
      assert.equal(plain.headers.etag, '"v1"');
      assert.equal(plain.headers.vary, "Origin, Accept-Encoding", "a cache keeps the identity and the compressed answers apart");
      assert.equal(plain.body.toString(), JSON_BODY);
    });

    test(`${wire}: sent as is — short, already encoded, a range, no-transform, an image, an event stream, HEAD`, async (t) => {
      const up = await app(t);
      const proxy = await startBoth(t, [{ prefix: "/", kind: "app", app: "web", stripPrefix: false, compress }], new TestGate({ web: { port: up.port } }));
      const accept = { "accept-encoding": "gzip, br, zstd" };
      const small = await fetchRaw(wire, proxy, "/small", { headers: accept });
      assert.equal(small.headers["content-encoding"], undefined);
      assert.equal(small.body.toString(), "x".repeat(100));
      const gzipped = await fetchRaw(wire, proxy, "/gzipped", { headers: accept });
      assert.equal(gzipped.headers["content-encoding"], "gzip");
      assert.equal(zlib.gunzipSync(gzipped.body).toString(), JSON_BODY, "not encoded twice");
      const range = await fetchRaw(wire, proxy, "/range", { headers: accept });
      assert.equal(range.status, 206);
      assert.equal(range.headers["content-encoding"], undefined);
      assert.equal(range.body.toString(), JSON_BODY.slice(0, 1000));
      for (const path of ["/no-transform", "/png", "/events"]) {
        const reply = await fetchRaw(wire, proxy, path, { headers: accept });
        assert.equal(reply.headers["content-encoding"], undefined, path);
        assert.equal(reply.headers["content-length"], String(JSON_BODY.length), path);
        assert.equal(reply.body.toString(), JSON_BODY, path);
      }
      const head = await fetchRaw(wire, proxy, "/json", { method: "HEAD", headers: accept });
      assert.equal(head.headers["content-encoding"], undefined);
      assert.equal(head.headers["content-length"], String(JSON_BODY.length));
      assert.equal(head.headers.vary, "Origin");
    });

    test(`${wire}: a proxy route (an outside origin, on http-proxy-3) compresses too`, async (t) => {
      const up = await app(t);
      const proxy = await startBoth(t, [{ prefix: "/ext", kind: "proxy", target: `http://127.0.0.1:${up.port}`, stripPrefix: true, compress }], new TestGate());
      const reply = await fetchRaw(wire, proxy, "/ext/json", { headers: { "accept-encoding": "gzip" } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers["content-encoding"], "gzip");
      assert.equal(decode("gzip", reply.body), JSON_BODY);
      assert.equal(reply.headers.etag, 'W/"v1"');
    });

    test(`${wire}: a static route compresses its files; the weak ETag still gets 304`, async (t) => {
      const dir = mkdtempSync(path.join(tmpdir(), "zoo-compress-"));
      writeFileSync(path.join(dir, "app.js"), `const data = ${JSON_BODY};\n`);
      writeFileSync(path.join(dir, "logo.png"), JSON_BODY);
      const proxy = await startBoth(t, [{ prefix: "/assets", kind: "static", dir, compress }], new TestGate());
      const js = await fetchRaw(wire, proxy, "/assets/app.js", { headers: { "accept-encoding": "br" } });
      assert.equal(js.status, 200);
      assert.equal(js.headers["content-encoding"], "br");
      assert.equal(decode("br", js.body), `const data = ${JSON_BODY};\n`);
      assert.equal(js.headers["accept-ranges"], undefined, "no ranges of the compressed body are offered");
      const etag = String(js.headers.etag);
      assert.match(etag, /^W\//);
      const again = await fetchRaw(wire, proxy, "/assets/app.js", { headers: { "accept-encoding": "br", "if-none-match": etag } });
      assert.equal(again.status, 304);
      const png = await fetchRaw(wire, proxy, "/assets/logo.png", { headers: { "accept-encoding": "br" } });
      assert.equal(png.headers["content-encoding"], undefined);
    });

    test(`${wire}: what a pausing app has sent so far reaches the client before the app goes on`, async (t) => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const up = await upstream(t, (_req, res) => {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
        res.write(`${JSON.stringify({ event: "first", padding: "p".repeat(2000) })}\n`);
        void released.then(() => res.end(`${JSON.stringify({ event: "last" })}\n`));
      });
      const proxy = await startBoth(t, [{ prefix: "/", kind: "app", app: "web", stripPrefix: false, compress }], new TestGate({ web: { port: up.port } }));
      const gunzip = zlib.createGunzip();
      let text = "";
      gunzip.on("data", (chunk: Buffer) => (text += chunk));
      const done = streamInto(wire, proxy, "/", { "accept-encoding": "gzip" }, gunzip);
      await until(() => text.includes('"first"'), "the first line, decoded, before the app sends the rest");
      release();
      await done;
      await finished(gunzip);
      assert.match(text, /"last"/);
    });
  }
});

/** Pipes the response body into `sink` and resolves at its end. */
async function streamInto(wire: (typeof WIRES)[number], proxy: { port: number; tlsPort: number }, path: string, headers: Record<string, string>, sink: NodeJS.WritableStream): Promise<void> {
  if (wire === "http/1.1") {
    const req = http.request({ host: "127.0.0.1", port: proxy.port, path, headers: { host: HOST, ...headers }, agent: false }).end();
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    res.pipe(sink);
    await once(res, "end");
    return;
  }
  const { h2Session } = await import("../tls/helpers.ts");
  const session = h2Session(proxy.tlsPort, HOST, ca.ca);
  try {
    const stream = session.request({ ":path": path, ...headers });
    stream.pipe(sink);
    await once(stream, "end");
  } finally {
    session.close();
  }
}

test("curl --compressed (HTTP/1.1 and HTTP/2 over TLS) and Python's brotli and zstandard decode zoo's bodies", { timeout: 30_000 }, async (t) => {
  const up = await app(t);
  const proxy = await startBoth(t, [{ prefix: "/", kind: "app", app: "web", stripPrefix: false, compress }], new TestGate({ web: { port: up.port } }));
  const resolve = ["--resolve", `${HOST}:${proxy.tlsPort}:127.0.0.1`];
  for (const accept of ["gzip", "br", "zstd"]) {
    const plain = await run("curl", ["-sS", "--compressed", "-H", `Accept-Encoding: ${accept}`, "-H", `Host: ${HOST}`, "-D", "-", `http://127.0.0.1:${proxy.port}/json`], { maxBuffer: 8 * MB });
    assert.match(plain.stdout, new RegExp(`content-encoding: ${accept}`, "i"));
    assert.ok(plain.stdout.endsWith(JSON_BODY), `curl decoded ${accept} over HTTP/1.1`);
    const h2 = await run("curl", ["-sS", "--http2", "--compressed", "-H", `Accept-Encoding: ${accept}`, "--cacert", ca.caFile, ...resolve, "-w", "\n%{http_version}", `https://${HOST}:${proxy.tlsPort}/json`], { maxBuffer: 8 * MB });
    assert.equal(h2.stdout, `${JSON_BODY}\n2`, `curl decoded ${accept} over HTTP/2`);
  }
  // Debian's own python3 (a pyenv one on PATH may lack the modules), as CI installs python3-brotli and python3-zstandard.
  const python = "/usr/bin/python3";
  const script = [
    "import sys, urllib.request, brotli, zstandard",
    "port, accept = sys.argv[1], sys.argv[2]",
    "req = urllib.request.Request(f'http://127.0.0.1:{port}/json', headers={'Accept-Encoding': accept, 'Host': 'a.test'})",
    "res = urllib.request.urlopen(req)",
    "body = res.read()",
    "enc = res.headers['Content-Encoding']",
    "text = brotli.decompress(body) if enc == 'br' else zstandard.ZstdDecompressor().decompressobj().decompress(body)",
    "sys.stdout.write(enc + ' ' + text.decode())",
  ].join("\n");
  for (const accept of ["br", "zstd"]) {
    const { stdout } = await run(python, ["-c", script, String(proxy.port), accept], { maxBuffer: 8 * MB });
    assert.equal(stdout, `${accept} ${JSON_BODY}`);
  }
});

test("256 MiB compressed on the fly: zoo's memory stays flat; a client that stops reading stops the app", { timeout: 90_000 }, async (t) => {
  const TOTAL = 256 * MB;
  const repetitive = Buffer.from(`${JSON.stringify({ line: "a fairly repetitive log line", level: "info" })}\n`.repeat(1024)).subarray(0, 64 * 1024);
  // The client that stops reading gets text that compresses about 2:1 (fresh random hex in every chunk), so that what
  // the socket buffers hold stays small beside the bound: a repeated chunk compresses so well under zstd (whose
  // window spans many chunks) that hundreds of megabytes fit in them.
  const hex = () => Buffer.from(randomBytes(32 * 1024).toString("hex"));
  let written = 0;
  const up = await upstream(t, (req, res) => {
    written = 0;
    const chunkOf = req.url === "/paused" ? hex : () => repetitive;
    res.writeHead(200, { "content-type": "text/plain", "content-length": TOTAL });
    const more = () => {
      while (written < TOTAL) {
        const chunk = chunkOf();
        written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      res.end();
    };
    more();
  });
  const routes: Route[] = [{ prefix: "/", kind: "app", app: "web", stripPrefix: false, compress }];
  const { child, port } = await serveInProcess(t, { routes, apps: { web: { port: up.port } } });
  const get = (path = "/") => http.request({ host: "127.0.0.1", port, path, headers: { "accept-encoding": "zstd" }, agent: false }).end();

  const [warm] = (await once(get(), "response")) as [http.IncomingMessage];
  warm.destroy();
  const atRest = await rss(child.pid!);
  let peak = atRest;
  const sampler = setInterval(() => void rss(child.pid!).then((value) => (peak = Math.max(peak, value)), () => {}), 25);
  const [res] = (await once(get(), "response")) as [http.IncomingMessage];
  assert.equal(res.headers["content-encoding"], "zstd");
  let decoded = 0;
  const decoder = zlib.createZstdDecompress();
  decoder.on("data", (part: Buffer) => (decoded += part.length));
  res.pipe(decoder);
  await once(decoder, "end");
  clearInterval(sampler);
  t.diagnostic(`RSS at rest ${(atRest / MB).toFixed(0)} MB, peak over 256 MiB ${(peak / MB).toFixed(0)} MB`);
  assert.equal(decoded, TOTAL);
  // Under load V8 grows its young generation by up to 64 MB whatever is proxied: the bound is well below the body.
  assert.ok(peak - atRest < 96 * MB, `RSS grew by ${((peak - atRest) / MB).toFixed(1)} MB`);

  // A client that reads nothing: the app's writes stop once the socket buffers and the compressor's are full.
  const [paused] = (await once(get("/paused"), "response")) as [http.IncomingMessage];
  paused.pause();
  let last = -1;
  await until(() => {
    const same = written === last && written > 0;
    last = written;
    return same;
  }, "the app's writes to stop", 10_000);
  assert.ok(written < 64 * MB, `the app wrote ${(written / MB).toFixed(0)} MB to a client that reads nothing`);
  paused.destroy();
});

test("a WebSocket through a compressing route with header rules: upgraded as is, frames untouched, request rules applied", async (t) => {
  const { WebSocket, WebSocketServer } = await import("ws");
  const up = await upstream(t, (_req, res) => res.end("plain"));
  const wss = new WebSocketServer({ server: up.server, perMessageDeflate: false });
  let seenEnv: string | undefined;
  wss.on("connection", (ws, req) => {
    seenEnv = req.headers["x-env"] as string | undefined;
    ws.on("message", (data, binary) => ws.send(data, { binary }));
  });
  t.after(() => wss.close());
  const route: Route = { prefix: "/", kind: "app", app: "web", stripPrefix: false, compress, headers: { request: { set: { "X-Env": "prod" }, add: {}, remove: [] } } };
  const proxy = await startBoth(t, [route], new TestGate({ web: { port: up.port } }));
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/`, { headers: { host: HOST, "accept-encoding": "gzip" }, perMessageDeflate: false });
  await once(ws, "open");
  ws.send(JSON_BODY);
  const [data] = (await once(ws, "message")) as [Buffer];
  assert.equal(data.toString(), JSON_BODY);
  assert.equal(seenEnv, "prod");
  ws.close();
});
