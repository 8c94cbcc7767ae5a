// Under attack, on loopback and bounded: many TLS connections that never finish their handshake, and garbage where
// a ClientHello should be, neither stop the listener nor keep other clients from being served; stalled handshakes
// are dropped after handshakeTimeout.
import assert from "node:assert/strict";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { test } from "node:test";
import { TestGate } from "../proxy/helpers/gate.ts";
import { app, echo } from "../proxy/helpers/net.ts";
import { issue, makeCa } from "./certs.ts";
import { PROTOCOLS, fetchTls, startTlsProxy } from "./helpers.ts";

const ca = makeCa();
const site = issue(ca, ["a.test"]);

function open(port: number, data?: Buffer): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  // Read whatever comes (an alert, then the end): a socket nobody reads never sees zoo's FIN and never closes.
  socket.resume();
  return once(socket, "connect").then(() => {
    if (data) socket.write(data);
    return socket;
  });
}

test("stalled handshakes and garbage: the listener serves others, and drops the stalled after handshakeTimeout", { timeout: 60_000 }, async (t) => {
  const up = await echo(t);
  const { tlsPort, lines } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [site], { handshakeTimeout: 1000 });

  // 300 that say nothing, 100 that stop inside a ClientHello's record header, 100 that send garbage.
  const silent = await Promise.all(Array.from({ length: 300 }, () => open(tlsPort)));
  const partial = await Promise.all(Array.from({ length: 100 }, () => open(tlsPort, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))));
  const garbage = await Promise.all(
    Array.from({ length: 100 }, (_, i) => open(tlsPort, i % 2 ? randomBytes(512) : Buffer.from("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"))),
  );
  const closed = [...silent, ...partial, ...garbage].map((socket) => (socket.destroyed ? Promise.resolve() : once(socket, "close")));
  const started = Date.now();

  // Meanwhile other clients are served, over both protocols.
  for (let i = 0; i < 10; i++) {
    for (const protocol of PROTOCOLS) {
      const reply = await fetchTls(protocol, tlsPort, { host: "a.test", path: `/ok/${i}`, ca: ca.ca });
      assert.equal(reply.status, 200);
    }
  }

  await Promise.all(closed);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 10_000, `every stalled connection dropped by zoo (after ${elapsed} ms)`);
  assert.equal((await fetchTls("h2", tlsPort, { host: "a.test", path: "/after", ca: ca.ca })).status, 200);
  // A flood is logged briefly: one line, then a count every 10 s.
  assert.ok(lines.filter((line) => line.startsWith("TLS handshake refused")).length <= 1, lines.join("\n"));
});
