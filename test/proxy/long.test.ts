// Long exchanges: a slow upload or a quiet stream is a normal request for a proxy, and zoo does not cut it.
import { test } from "node:test";
import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { once } from "node:events";
import { POOL_IDLE_MS } from "../../src/proxy/client.ts";
import { TestGate } from "./helpers/gate.ts";
import { app, startProxy, upstream } from "./helpers/net.ts";

test("no time limit on a whole request (Node's default is 5 minutes); headers within 60 s", async (t) => {
  const { port } = await startProxy(t, [], new TestGate({}));
  // The server that takes a request, as Node announces it: zoo's own, read without a test-only accessor.
  const servers: http.Server[] = [];
  const onStart = (message: unknown) => void servers.push((message as { server: http.Server }).server);
  diagnostics.subscribe("http.server.request.start", onStart);
  t.after(() => diagnostics.unsubscribe("http.server.request.start", onStart));
  const res = await fetch(`http://127.0.0.1:${port}/nothing-here`);
  await res.arrayBuffer();
  assert.equal(res.status, 404);
  const server = servers.find((candidate) => (candidate.address() as { port: number } | null)?.port === port);
  assert.ok(server, "the request went through zoo's server");
  assert.equal(server.requestTimeout, 0);
  assert.equal(server.headersTimeout, 60_000);
});

test("an exchange quiet in both directions for longer than the pool's idle timeout goes on", async (t) => {
  const up = await upstream(t, (req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.flushHeaders();
    req.on("data", (chunk: Buffer) => res.write(`data: ${chunk}\n\n`));
    req.on("end", () => res.end());
  });
  const { port } = await startProxy(t, [app("/", "events")], new TestGate({ events: { port: up.port } }));
  const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", agent: false });
  req.write("first");
  const [res] = (await once(req, "response")) as [http.IncomingMessage];
  res.setEncoding("utf8");
  let received = "";
  res.on("data", (text: string) => (received += text));
  while (!received.includes("first")) await once(res, "data");

  // Both sockets through zoo now carry nothing for longer than the pooled upstream socket's idle timeout.
  await new Promise((resolve) => setTimeout(resolve, POOL_IDLE_MS + 500));
  req.end("second");
  await once(res, "end");
  assert.equal(received, "data: first\n\ndata: second\n\n");
});
