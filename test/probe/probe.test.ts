// `zoo probe`, run for real against real listeners on loopback: exit 0 when the probe passes, 1 when it fails
// (with the reason), 2 for a usage error.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { once } from "node:events";
import { test, type TestContext } from "node:test";
import { project, runZoo } from "../helpers/run-zoo.ts";

async function listen(t: TestContext, server: net.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** `count` distinct ports nothing listens on: bound together, then closed. */
async function closedPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = net.createServer().listen(0, "127.0.0.1");
      await once(server, "listening");
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function closedPort(): Promise<number> {
  return (await closedPorts(1))[0];
}

/** An HTTP server answering `status(path, n)` for its n-th request (from 1); counts the requests. */
async function httpServer(t: TestContext, status: (path: string, n: number) => number): Promise<{ port: number; requests: () => number }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    n++;
    res.writeHead(status(req.url ?? "", n)).end();
  });
  return { port: await listen(t, server), requests: () => n };
}

test("tcp://: 0 when something listens, 1 with the reason when nothing does", async (t) => {
  const port = await listen(t, net.createServer((socket) => socket.end()));
  const open = await runZoo(["probe", `tcp://127.0.0.1:${port}`]);
  assert.equal(open.code, 0, open.stderr);
  assert.match(open.stdout, new RegExp(`tcp://127.0.0.1:${port}: ok \\(tcp ${port}: open\\)`));

  const closed = await closedPort();
  const refused = await runZoo(["probe", `tcp://127.0.0.1:${closed}`]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, "");
  assert.match(refused.stderr, /failed \(tcp \d+: connection refused\)/);
});

test("http://: any 2xx/3xx passes by default; --status asks for one status", async (t) => {
  const { port } = await httpServer(t, (path) => (path === "/health" ? 200 : path === "/gone" ? 404 : 500));
  const ok = await runZoo(["probe", `http://127.0.0.1:${port}/health`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /ok \(http \/health: status 200\)/);

  const error = await runZoo(["probe", `http://127.0.0.1:${port}/broken`]);
  assert.equal(error.code, 1);
  assert.match(error.stderr, /failed \(http \/broken: status 500\)/);

  const expected404 = await runZoo(["probe", `http://127.0.0.1:${port}/gone`, "--status", "404"]);
  assert.equal(expected404.code, 0, expected404.stderr);
  const not201 = await runZoo(["probe", `http://127.0.0.1:${port}/health`, "--status", "201"]);
  assert.equal(not201.code, 1);
  assert.match(not201.stderr, /status 200/);
});

test("http:// with a query: the path and query are sent as given", async (t) => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? "");
    res.end();
  });
  const port = await listen(t, server);
  const run = await runZoo(["probe", `http://127.0.0.1:${port}/ready?deep=1`]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(seen, ["/ready?deep=1"]);
});

test("--wait: retries until the probe passes", async (t) => {
  const server = await httpServer(t, (_path, n) => (n < 3 ? 503 : 200));
  const run = await runZoo(["probe", `http://127.0.0.1:${server.port}/`, "--wait", "20s"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(server.requests(), 3);
});

test("--wait: gives up with 1 once the time has passed", async () => {
  const port = await closedPort();
  const started = Date.now();
  const run = await runZoo(["probe", `tcp://127.0.0.1:${port}`, "--wait", "800ms"]);
  assert.equal(run.code, 1);
  assert.ok(Date.now() - started >= 500, "it retried for a while");
  assert.match(run.stderr, /connection refused/);
});

test("--timeout: an answer slower than the limit fails", async (t) => {
  const server = http.createServer(() => {}); // never answers
  const port = await listen(t, server);
  t.after(() => server.closeAllConnections());
  const run = await runZoo(["probe", `http://127.0.0.1:${port}/`, "--timeout", "200ms"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no answer within 200ms/);
});

test("APP: the app's configured probe against its configured port", async (t) => {
  const { port } = await httpServer(t, (path) => (path === "/ready" ? 204 : 404));
  const other = await httpServer(t, () => 404);
  const [closed, closedToo] = await closedPorts(2);
  const root = project(t, {
    "zoo.config.json": JSON.stringify({
      apps: {
        web: { command: "node server.js", port, health: { http: "/ready", status: 204 } },
        wrong: { command: "node server.js", port: other.port, health: { http: "/other" } },
        down: { command: "node server.js", port: closed },
        checked: { command: "node server.js", health: { exec: ["node", "-e", "process.exit(process.env.PORT === undefined && process.env.MODE === 'ok' ? 0 : 3)"] }, env: { MODE: "ok" } },
        quiet: { command: "node server.js", port: closedToo, health: false },
      },
    }),
  });
  const web = await runZoo(["probe", "web"], { cwd: root });
  assert.equal(web.code, 0, web.stderr);
  assert.match(web.stdout, /^web: ok \(http \/ready: status 204\)\n$/);

  const wrong = await runZoo(["probe", "wrong"], { cwd: root });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^wrong: failed \(http \/other: status 404\)\n$/);

  const down = await runZoo(["probe", "down"], { cwd: root });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /connection refused/);

  const checked = await runZoo(["probe", "checked"], { cwd: root });
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /exit code 0/);

  const quiet = await runZoo(["probe", "quiet"], { cwd: root });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.match(quiet.stdout, /no probe/);
});

test("APP: an app without a fixed port, or an unknown app, is a clear error with exit 2", async (t) => {
  const root = project(t, { "zoo.config.json": JSON.stringify({ apps: { web: { command: "node server.js" } } }) });
  const file = `${root}/zoo.config.json`;
  const noPort = await runZoo(["probe", "web"], { cwd: root });
  assert.equal(noPort.code, 2);
  assert.equal(noPort.stdout, "");
  assert.ok(noPort.stderr.includes(`app "web" has no fixed port in ${file}`), noPort.stderr);
  assert.match(noPort.stderr, /give it a "port", or probe an address: zoo probe tcp:\/\/HOST:PORT/);

  const unknown = await runZoo(["probe", "api"], { cwd: root });
  assert.equal(unknown.code, 2);
  assert.ok(unknown.stderr.includes(`no app "api" in ${file} (apps: web)`), unknown.stderr);

  const badConfig = await runZoo(["probe", "web", "--config", "missing.json"], { cwd: root });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /config file not found/);
});

test("usage errors exit 2 and start nothing", async () => {
  const cases: [string[], RegExp][] = [
    [["probe"], /expected a target/],
    [["probe", "ftp://127.0.0.1:21"], /unsupported scheme "ftp"/],
    [["probe", "tcp://127.0.0.1"], /has no port/],
    [["probe", "tcp://127.0.0.1:1/x"], /a tcp target has no path/],
    [["probe", "tcp://127.0.0.1:1", "--status", "200"], /--status applies to http:\/\/ targets only/],
    [["probe", "http://127.0.0.1:1/", "--status", "99"], /--status: expected an HTTP status/],
    [["probe", "http://127.0.0.1:1/", "--wait", "soon"], /--wait: expected a duration/],
    [["probe", "a", "b"], /unexpected argument "b"/],
    [["probe", "not an app"], /expected tcp:\/\/HOST:PORT, http:\/\/HOST:PORT\/PATH or an app name/],
    [["status", "--status", "200"], /--status applies to "zoo probe" only/],
  ];
  for (const [args, message] of cases) {
    const run = await runZoo(args);
    assert.equal(run.code, 2, `zoo ${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, message, `zoo ${args.join(" ")}`);
  }
});

test("APP inside the app's own container: $PORT is the app's port, not a clash with zoo's listen port", async (t) => {
  const { port } = await httpServer(t, () => 200);
  const root = project(t, { "zoo.config.json": JSON.stringify({ apps: { web: { command: "node server.js", port } } }) });
  const run = await runZoo(["probe", "web"], { cwd: root, env: { PORT: String(port) } });
  assert.equal(run.code, 0, run.stderr);
});

test("APP with a url: its probe against that address", async (t) => {
  const { port } = await httpServer(t, (path) => (path === "/health" ? 200 : 404));
  const root = project(t, { "zoo.config.json": JSON.stringify({ apps: { remote: { url: `http://127.0.0.1:${port}`, health: { http: "/health" } } } }) });
  const run = await runZoo(["probe", "remote"], { cwd: root });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /remote: ok \(http \/health: status 200\)/);
});
