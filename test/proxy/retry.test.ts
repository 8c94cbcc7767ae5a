// An app that dies or restarts under load: requests that never reached it, or that are safe to repeat, are sent
// again (or held until the app is back) instead of failing with 502.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { TestGate } from "./helpers/gate.ts";
import { app, closedPort, request, startProxy, until, upstream } from "./helpers/net.ts";


/** A gate whose app answers on `ports[i]` at the i-th attempt (the last one from then on), like an app that restarted. */
class MovingGate extends TestGate {
  attempts = 0;
  readonly ports: number[];
  constructor(ports: number[]) {
    super({ a: { port: ports[0] } });
    this.ports = ports;
  }
  override upstream(name: string) {
    const port = this.ports[Math.min(this.attempts++, this.ports.length - 1)];
    return name === "a" ? { host: "127.0.0.1", port } : undefined;
  }
}

test("a refused connection while the app still counts as ready is tried again, and the request succeeds", async (t) => {
  const up = await upstream(t, (req, res) => res.end(`ok ${req.method} ${req.url}`));
  const gate = new MovingGate([await closedPort(), await closedPort(), up.port]);
  const { port, access } = await startProxy(t, [app("/", "a")], gate);
  const reply = await request(port, "/x?q=1");
  assert.deepEqual([reply.status, reply.body], [200, "ok GET /x?q=1"]);
  assert.equal(gate.attempts, 3);
  assert.equal(access.length, 1, "one request, one access line");
});

test("a refused POST with a body is not replayed: its body was already sent into the failed attempt", async (t) => {
  const gate = new MovingGate([await closedPort()]);
  const { port } = await startProxy(t, [app("/", "a")], gate);
  const reply = await request(port, "/", { method: "POST", body: "payload" });
  assert.equal(reply.status, 502);
  assert.equal(gate.attempts, 1);
});

test("a refused bodiless POST is tried again: the app never saw it", async (t) => {
  const up = await upstream(t, (req, res) => res.end(`ok ${req.method}`));
  const gate = new MovingGate([await closedPort(), up.port]);
  const { port } = await startProxy(t, [app("/", "a")], gate);
  const reply = await request(port, "/", { method: "POST" });
  assert.deepEqual([reply.status, reply.body], [200, "ok POST"]);
});

test("a reset before any answer: GET is tried again, POST is not", async (t) => {
  let seen = 0;
  const up = await upstream(t, (req, res) => {
    if (seen++ === 0) return req.socket.resetAndDestroy();
    res.end("second time lucky");
  });
  const { port } = await startProxy(t, [app("/", "a")], new TestGate({ a: { port: up.port } }));
  assert.deepEqual(await request(port, "/").then((r) => [r.status, r.body]), [200, "second time lucky"]);
  assert.equal(seen, 2);

  seen = 0;
  const post = await request(port, "/", { method: "POST" });
  assert.equal(post.status, 502, "a POST the app may have acted on is never sent twice");
  assert.equal(seen, 1);
});

test("an app that keeps refusing gets 502 after a bounded number of tries", async (t) => {
  const gate = new MovingGate([await closedPort()]);
  const { port } = await startProxy(t, [app("/", "a")], gate);
  const reply = await request(port, "/");
  assert.equal(reply.status, 502);
  assert.match(reply.body, /connection refused/);
  assert.equal(gate.attempts, 6, "the first attempt and five more");
});

test("once the app is known to be down, the retried request is held until it is ready again", async (t) => {
  const up = await upstream(t, (_req, res) => res.end("back"));
  const dead = await closedPort();
  // The first attempt goes to the dead app, and by then the supervisor has seen it die: the app is not ready.
  const gate = new MovingGate([dead, up.port]);
  const upstreamOf = gate.upstream.bind(gate);
  gate.upstream = (name: string) => {
    const found = upstreamOf(name);
    if (found?.port === dead) gate.setReady("a", false);
    return found;
  };
  const { port } = await startProxy(t, [app("/", "a")], gate);
  const pending = request(port, "/");
  await until(() => gate.waiting("a") === 1, "the retried request to be held");
  gate.setReady("a", true);
  const reply = await pending;
  assert.deepEqual([reply.status, reply.body], [200, "back"]);
  assert.equal(gate.attempts, 2);
});
