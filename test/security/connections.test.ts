// Finding 3 (connections): open client connections are capped (limits.maxConnections, the plain and HTTPS listeners
// together). Beyond it a new connection is closed at once, counted for the metrics and logged once per burst;
// before, every connection was accepted (2,000 in the outside review, until zoo ran out of descriptors).
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { LIMIT_DEFAULTS } from "../../src/config/types.ts";
import { Registry } from "prom-client";
import { RequestMetrics } from "../../src/metrics/requests.ts";
import { TestGate } from "../proxy/helpers/gate.ts";
import { app, echo, request } from "../proxy/helpers/net.ts";
import { issue, makeCa } from "../tls/certs.ts";
import { fetchTls, startTlsProxy } from "../tls/helpers.ts";

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

test("maxConnections: 5 open (plain and HTTPS); the 6th on either listener is closed at once, counted and logged", async (t) => {
  const ca = makeCa();
  const up = await echo(t);
  const registry = new Registry();
  const observer = new RequestMetrics(registry);
  const refused = async () => Number(/^zoo_connections_refused_total (\d+)$/m.exec(await registry.metrics())?.[1]);
  const limits = { ...LIMIT_DEFAULTS, maxConnections: 5 };
  const { port, tlsPort, lines } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [issue(ca, ["a.test"])], { limits, observer });

  const held = [...(await Promise.all([0, 1, 2].map(() => connect(port)))), ...(await Promise.all([0, 1].map(() => connect(tlsPort))))];
  for (const listener of [port, tlsPort, port]) {
    const extra = await connect(listener);
    extra.resume();
    await once(extra, "close");
  }
  assert.equal(await refused(), 3);
  assert.deepEqual(lines, ["client connection refused: 5 open (limits.maxConnections 5)"], "one line for the burst, nothing else");

  // A slot that frees up is taken again.
  const gone = once(held[0], "close");
  held[0].destroy();
  await gone;
  assert.equal((await request(port, "/")).status, 200);
  held[3].destroy();
  await once(held[3], "close");
  assert.equal((await fetchTls("h2", tlsPort, { host: "a.test", path: "/", ca: ca.ca })).status, 200);
  assert.equal(await refused(), 3);
  for (const socket of held) socket.destroy();
});
