// Finding 1: a cancelled request (an HTTP/2 stream reset, a closed connection, an HTTP/1 client gone) aborts its
// request to the app at once, and is logged 499; a rapid reset (CVE-2023-44487) leaves zoo's descriptors where they
// were. Before the fix, a reset stream's response counted as finished in Node: the app request ran on, logged as
// `200 0B`, and 5,000 HEADERS+RST_STREAM pairs left zoo holding thousands of connections to the app for seconds.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { request } from "../proxy/helpers/net.ts";
import { FRAME, RawH2, requestBlock } from "./h2-raw.ts";
import { openFds, startSecurityZoo } from "./helpers.ts";

function h2Session(port: number, ca: string): http2.ClientHttp2Session {
  const session = http2.connect("https://a.test", { createConnection: () => tls.connect({ host: "127.0.0.1", port, servername: "a.test", ca, ALPNProtocols: ["h2"] }) });
  session.on("error", () => {});
  return session;
}

for (const client of ["undici", "http-proxy-3"]) {
  test(`${client}: an HTTP/2 stream reset, a closed HTTP/2 connection, an HTTP/1 client gone: the app sees the abort at once, the access log and the metrics say 499`, { timeout: 30_000 }, async (t) => {
    const { zoo, port, tlsPort, ca, metricsUrl } = await startSecurityZoo(t, { env: { ZOO_APP_CLIENT: client } });
    // A first request: the app client is loaded (each is imported by its first request) before the cancellations.
    assert.equal((await request(port, "/")).status, 200);

    // A stream reset (RST_STREAM CANCEL) while the app works on it.
    const session = h2Session(tlsPort, ca.ca);
    t.after(() => session.destroy());
    const stream = session.request({ ":path": "/slow/reset" });
    stream.on("error", () => {});
    await zoo.waitFor(/got \/slow\/reset/);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    // The app answers after 5 s: an abort seen before that came from zoo.
    await zoo.waitFor(/aborted \/slow\/reset/, 3000);
    await zoo.waitFor(/GET \/slow\/reset → \/ 499/, 3000);

    // The whole HTTP/2 connection closed while the app works on a stream.
    const other = h2Session(tlsPort, ca.ca);
    other.request({ ":path": "/slow/session" }).on("error", () => {});
    await zoo.waitFor(/got \/slow\/session/);
    other.destroy();
    await zoo.waitFor(/aborted \/slow\/session/, 3000);
    await zoo.waitFor(/GET \/slow\/session → \/ 499/, 3000);

    // An HTTP/1.1 client that goes away.
    const req = http.request({ host: "127.0.0.1", port, path: "/slow/h1", agent: false });
    req.on("error", () => {});
    req.end();
    await zoo.waitFor(/got \/slow\/h1/);
    req.destroy();
    await zoo.waitFor(/aborted \/slow\/h1/, 3000);
    await zoo.waitFor(/GET \/slow\/h1 → \/ 499/, 3000);
    assert.doesNotMatch(zoo.output(), /GET \/slow\/\S+ → \/ 200/);
    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, /^zoo_http_requests_total\{route="\/",app="web",method="GET",code="499"\} 3$/m);
  });
}

test("a rapid reset (HEADERS + RST_STREAM, 3,000 streams) leaves zoo's open descriptors where they were within a second", { timeout: 30_000 }, async (t) => {
  const { zoo, pid, tlsPort, ca } = await startSecurityZoo(t);
  // A zoo that has served its app (its app client is loaded, its pool has a connection).
  const warm = await RawH2.connect(tlsPort, "a.test", ca.ca);
  warm.request(requestBlock("a.test", "/"));
  await warm.until(() => warm.received(FRAME.DATA).length > 0, "an answer");
  warm.close();
  await sleep(100);
  const before = openFds(pid);
  const block = requestBlock("a.test", "/slow/flood");
  let peak = before;
  for (let connection = 0; connection < 3; connection++) {
    const h2 = await RawH2.connect(tlsPort, "a.test", ca.ca);
    for (let burst = 0; burst < 10 && !h2.closed; burst++) {
      if (!h2.rapidReset(block, 100)) await once(h2.socket, "drain");
      // Time for zoo to act on each burst.
      await sleep(10);
      peak = Math.max(peak, openFds(pid));
    }
    h2.close();
  }
  await sleep(1000);
  const after = openFds(pid);
  assert.ok(after <= before + 5, `open descriptors: ${before} before, ${peak} at the peak, ${after} a second after the flood`);
  // Every request of the flood that reached the app was aborted by zoo.
  const output = zoo.output();
  assert.equal((output.match(/aborted \/slow\/flood/g) ?? []).length, (output.match(/got \/slow\/flood/g) ?? []).length);
  assert.doesNotMatch(output, /GET \/slow\/flood → \/ 200/);
});
