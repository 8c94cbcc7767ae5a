// maxBodySize on a route, over the plain listener and HTTPS/HTTP/2: a declared length over the limit is refused
// before the app sees anything; a streamed body (chunked, or HTTP/2 without a length) that crosses it is cut, the
// app's request aborted, the client answered 413; both are counted in zoo_http_requests_total with code 413.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { Registry } from "prom-client";
import type { Route } from "../../src/config/types.ts";
import { RequestMetrics } from "../../src/metrics/requests.ts";
import { HOST, WIRES, ca, fetchRaw, startBoth } from "./helpers/both.ts";
import { TestGate } from "./helpers/gate.ts";
import { upstream, until } from "./helpers/net.ts";

const run = promisify(execFile);
const LIMIT = 64 * 1024;

/** An app that counts what it receives and whether each request's body ended or was cut. */
async function countingApp(t: test.TestContext) {
  const seen = { requests: 0, bytes: 0, aborted: 0, complete: 0 };
  const up = await upstream(t, (req, res) => {
    seen.requests++;
    req.on("data", (chunk: Buffer) => (seen.bytes += chunk.length));
    req.on("end", () => {
      seen.complete++;
      res.writeHead(200, { "content-type": "text/plain" }).end(`got ${req.headers["content-length"] ?? "chunked"}`);
    });
    req.on("close", () => {
      if (!req.complete) seen.aborted++;
    });
    req.on("error", () => {});
  });
  return { up, seen };
}

/** Sends `size` bytes without a length: the first 16 KiB, then (once `started` resolves) the rest. */
function streamedBody(wire: (typeof WIRES)[number], proxy: { port: number; tlsPort: number }, size: number, started: () => Promise<void>): Promise<{ status: number; body: string }> {
  const chunk = Buffer.alloc(8 * 1024, "u");
  if (wire === "http/1.1") {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: proxy.port, path: "/upload", method: "POST", headers: { host: HOST, "transfer-encoding": "chunked" }, agent: false });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (part) => (body += part));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      let sent = 0;
      const more = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", more);
        }
        req.end();
      };
      req.write(chunk);
      req.write(chunk);
      sent = 2 * chunk.length;
      void started().then(more);
    });
  }
  return (async () => {
    const { h2Session } = await import("../tls/helpers.ts");
    const session = h2Session(proxy.tlsPort, HOST, ca.ca);
    try {
      await once(session, "connect");
      const stream = session.request({ ":method": "POST", ":path": "/upload" });
      stream.on("error", () => {});
      let sent = 2 * chunk.length;
      const more = () => {
        while (sent < size && !stream.destroyed) {
          sent += chunk.length;
          if (!stream.write(chunk)) return void stream.once("drain", more);
        }
        stream.end();
      };
      stream.write(chunk);
      stream.write(chunk);
      void started().then(more);
      const [head] = (await once(stream, "response")) as [Record<string, string>];
      let body = "";
      stream.on("data", (part) => (body += part));
      // The whole answer, then zoo resets the stream with NO_ERROR (stop sending): Node's client then still waits for
      // its unsent writes, so it is destroyed here.
      await once(stream, "end");
      return { status: Number(head[":status"]), body };
    } finally {
      session.destroy();
    }
  })();
}

describe("maxBodySize over HTTP/1.1 and HTTP/2", () => {
  for (const wire of WIRES) {
    test(`${wire}: a declared length over the limit gets 413 and the app sees nothing; a streamed body is cut at the limit`, async (t) => {
      const { up, seen } = await countingApp(t);
      const registry = new Registry();
      const route: Route = { prefix: "/", kind: "app", app: "web", stripPrefix: false, maxBodySize: LIMIT };
      const proxy = await startBoth(t, [route], new TestGate({ web: { port: up.port } }), { observer: new RequestMetrics(registry) });

      const under = await fetchRaw(wire, proxy, "/upload", { method: "POST", body: Buffer.alloc(LIMIT, "a") });
      assert.equal(under.status, 200);
      assert.equal(seen.complete, 1);

      const over = await fetchRaw(wire, proxy, "/upload", { method: "POST", headers: { "content-length": String(LIMIT + 1) }, body: Buffer.alloc(LIMIT + 1, "a") });
      assert.equal(over.status, 413);
      assert.match(over.body.toString(), /larger than maxBodySize \(65536 bytes\)/);
      assert.equal(seen.requests, 1, "the app never saw the request");

      const bytesBefore = seen.bytes;
      const cut = await streamedBody(wire, proxy, 16 * LIMIT, () => until(() => seen.bytes - bytesBefore > 0, "the app to receive the start of the body"));
      assert.equal(cut.status, 413);
      await until(() => seen.aborted === 1, "the app's request to be aborted");
      assert.equal(seen.complete, 1, "the cut body never ended as complete at the app");
      assert.ok(seen.bytes - bytesBefore < 2 * LIMIT, `the app got ${seen.bytes - bytesBefore} bytes of the cut body`);

      const metrics = await registry.metrics();
      assert.match(metrics, /zoo_http_requests_total\{route="\/",app="web",method="POST",code="413"\} 2/);
      assert.match(metrics, /zoo_http_requests_total\{route="\/",app="web",method="POST",code="200"\} 1/);
    });
  }
});

test("curl: a file over the limit gets 413 from zoo, one under it reaches the app", { timeout: 20_000 }, async (t) => {
  const { up, seen } = await countingApp(t);
  const route: Route = { prefix: "/", kind: "app", app: "web", stripPrefix: false, maxBodySize: LIMIT };
  const proxy = await startBoth(t, [route], new TestGate({ web: { port: up.port } }));
  const curl = (size: number, ...flags: string[]) =>
    run("bash", ["-c", `head -c ${size} /dev/zero | curl -sS -o /dev/null -w '%{http_code}' -H 'Host: ${HOST}' --data-binary @- ${flags.join(" ")} http://127.0.0.1:${proxy.port}/upload`]);
  assert.equal((await curl(LIMIT)).stdout, "200");
  assert.equal((await curl(LIMIT * 4)).stdout, "413");
  assert.equal((await curl(LIMIT * 4, "-H", "'Transfer-Encoding: chunked'")).stdout, "413");
  assert.equal(seen.complete, 1);
});

test("a proxy route (an outside origin, on http-proxy-3): a body under the limit arrives whole, one over it is cut", async (t) => {
  const { up, seen } = await countingApp(t);
  const route: Route = { prefix: "/", kind: "proxy", target: `http://127.0.0.1:${up.port}`, stripPrefix: false, maxBodySize: LIMIT };
  const proxy = await startBoth(t, [route], new TestGate());
  for (const wire of WIRES) {
    const before = seen.bytes;
    const whole = await fetchRaw(wire, proxy, "/upload", { method: "POST", headers: wire === "http/1.1" ? { "transfer-encoding": "chunked" } : {}, body: Buffer.alloc(LIMIT, "w") });
    assert.equal(whole.status, 200, wire);
    assert.equal(seen.bytes - before, LIMIT, `${wire}: every byte reached the origin`);
    const cut = await streamedBody(wire, proxy, 16 * LIMIT, async () => {});
    assert.equal(cut.status, 413, wire);
  }
  assert.equal(seen.complete, 2);
});
