// One probe attempt against real sockets and processes.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { test } from "node:test";
import { httpProbe, isPortInUse, runProbe, tcpProbe } from "../../src/supervisor/probe.ts";
import { freePort } from "../../src/supervisor/ports.ts";

const listen = async (t: import("node:test").TestContext, server: net.Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as net.AddressInfo).port;
};

test("tcp: open port passes, closed port is refused", async (t) => {
  const port = await listen(t, net.createServer((s) => s.end()));
  assert.deepEqual(await tcpProbe("127.0.0.1", port, 500), { ok: true, detail: `tcp ${port}: open` });
  const closed = await freePort();
  assert.deepEqual(await tcpProbe("127.0.0.1", closed, 500), { ok: false, detail: `tcp ${closed}: connection refused` });
  assert.equal(await isPortInUse(port), true);
  assert.equal(await isPortInUse(closed), false);
});

test("http: 2xx/3xx pass by default; an expected status must match; a hang times out", async (t) => {
  const port = await listen(
    t,
    http.createServer((req, res) => {
      if (req.url === "/hang") return; // never answers
      res.writeHead(Number(req.url!.slice(1))).end();
    }),
  );
  assert.deepEqual(await httpProbe("127.0.0.1", port, "/204", undefined, 500), { ok: true, detail: "http /204: status 204" });
  assert.equal((await httpProbe("127.0.0.1", port, "/302", undefined, 500)).ok, true);
  assert.deepEqual(await httpProbe("127.0.0.1", port, "/500", undefined, 500), { ok: false, detail: "http /500: status 500" });
  assert.equal((await httpProbe("127.0.0.1", port, "/404", 404, 500)).ok, true);
  assert.equal((await httpProbe("127.0.0.1", port, "/200", 204, 500)).ok, false);
  const began = Date.now();
  assert.deepEqual(await httpProbe("127.0.0.1", port, "/hang", undefined, 100), { ok: false, detail: "http /hang: no answer within 100ms" });
  assert.ok(Date.now() - began < 3000, "gave up at the timeout, not when the server hung up");
});

test("exec: exit 0 passes; other codes and timeouts fail; the command sees the env", async () => {
  const target = { host: "127.0.0.1", port: undefined, cwd: process.cwd(), env: { PROBE_VALUE: "yes" } };
  const exec = (command: string[], timeout = 1000) => runProbe({ kind: "exec", command, timeout, interval: 1000, startTimeout: 1000, failures: 1 }, target);
  assert.deepEqual(await exec(["sh", "-c", 'test "$PROBE_VALUE" = yes']), { ok: true, detail: 'exec sh -c test "$PROBE_VALUE" = yes: exit code 0' });
  assert.deepEqual(await exec(["sh", "-c", "exit 3"]), { ok: false, detail: "exec sh -c exit 3: exit code 3" });
  const began = Date.now();
  assert.deepEqual(await exec(["sleep", "5"], 100), { ok: false, detail: "exec sleep 5: timed out after 100ms" });
  assert.ok(Date.now() - began < 4000, "killed at the timeout, not after sleep 5");
  assert.deepEqual(await exec(["no-such-probe-command"]), { ok: false, detail: "exec no-such-probe-command: command not found: no-such-probe-command (looked in PATH)" });
});

test("freePort gives a port that can be listened on", async (t) => {
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  t.after(() => server.close());
  assert.equal((server.address() as net.AddressInfo).port, port);
});
