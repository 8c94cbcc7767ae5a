// The dashboard's HTTP API on a real zoo: the control socket's commands as JSON, the token, the CSRF refusals.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { runZoo as runCli, project } from "../helpers/run-zoo.ts";
import { freePort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { app, call, get, pidOf, runDashboard } from "./helpers.ts";

const ROUTES = { "/": "node" };

test("the API runs the control socket's commands: status, logs, restart, scale, reload with its dry run; refusals carry the CLI's message", async (t) => {
  const z = await runDashboard(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: ready/);
  const status = (await call(z.dashboard, "GET", "/api/status")).json();
  assert.equal(status.apps[0].name, "node");
  assert.equal(status.apps[0].state, "ready");
  assert.equal(typeof status.zoo.rssBytes, "number");

  const oldPid = await pidOf(z.port);
  const restarted = await call(z.dashboard, "POST", "/api/apps/node/restart", { body: "{}" });
  assert.equal(restarted.status, 200, restarted.body);
  assert.equal(restarted.json().exitCode, 0);
  assert.match(restarted.json().output, /^node: restarted/);
  assert.notEqual(await pidOf(z.port), oldPid);

  const unknown = await call(z.dashboard, "POST", "/api/apps/nod/stop");
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json().error, 'unknown app "nod" — did you mean "node"?');
  const cli = await z.cli("stop", "nod");
  assert.equal(cli.stderr, unknown.json().output, "the same words as the CLI");

  const scaled = await call(z.dashboard, "POST", "/api/apps/node/scale", { body: JSON.stringify({ n: 2 }) });
  assert.equal(scaled.status, 200, scaled.body);
  assert.match(scaled.json().output, /^node: /);
  assert.equal((await call(z.dashboard, "GET", "/api/status")).json().apps.length, 2);
  const badScale = await call(z.dashboard, "POST", "/api/apps/node/scale", { body: JSON.stringify({ n: -1 }) });
  assert.equal(badScale.json().error, 'expected a number of replicas (0 or more), found "-1"');

  const plan = await call(z.dashboard, "POST", "/api/reload?dryRun=1");
  assert.equal(plan.status, 200);
  assert.match(plan.json().output, /^would do:\n/);

  await get(z.port, "/say?text=hello-from-the-api-test");
  const logs = (await call(z.dashboard, "GET", "/api/logs?app=node&n=500")).json();
  assert.ok(logs.lines.some((line: { line: string }) => line.line === "hello-from-the-api-test"));
  assert.equal((await call(z.dashboard, "GET", "/api/logs?app=nope")).status, 400);
  assert.equal((await call(z.dashboard, "GET", "/api/nothing")).status, 404);
  // A request target no URL parser accepts is answered 400; zoo goes on.
  const raw = connect(z.dashboard, "127.0.0.1");
  raw.end("GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const [answer] = await once(raw.setEncoding("utf8"), "data", { signal: AbortSignal.timeout(10_000) });
  assert.match(String(answer), /^HTTP\/1.1 400 /);
  assert.equal((await call(z.dashboard, "GET", "/api/status")).status, 200);
});

test("mutating calls refuse cross-site requests: a foreign Origin or Sec-Fetch-Site (403), a body that is not JSON (415)", async (t) => {
  const z = await runDashboard(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: ready/);
  const post = (headers: Record<string, string>) => call(z.dashboard, "POST", "/api/apps/node/stop", { headers, body: "{}" });
  const foreign = await post({ origin: "https://evil.example" });
  assert.equal(foreign.status, 403);
  assert.match(foreign.json().error, /cross-site request refused \(Origin: https:\/\/evil.example\)/);
  assert.equal((await post({ "sec-fetch-site": "cross-site" })).status, 403);
  assert.equal((await post({ "sec-fetch-site": "same-site" })).status, 403);
  const form = await post({ "content-type": "application/x-www-form-urlencoded" });
  assert.equal(form.status, 415);
  assert.equal((await post({ "content-type": "text/plain" })).status, 415);
  assert.equal((await get(z.port)).status, 200, "none of them stopped the app");
  // The page's own request: same origin.
  const own = await post({ origin: `http://127.0.0.1:${z.dashboard}`, "sec-fetch-site": "same-origin" });
  assert.equal(own.status, 200, own.body);
  assert.equal((await get(z.port)).status, 503);
  // A site that rebinds its name to 127.0.0.1 is refused too: without a token only a loopback Host is answered.
  const rebound = await call(z.dashboard, "GET", "/api/status", { headers: { host: `evil.example:${z.dashboard}` } });
  assert.equal(rebound.status, 403);
});

test("with a token, every API call needs it (Authorization: Bearer, or ?token= on a GET); the page itself is served without", async (t) => {
  const z = await runDashboard(t, { apps: { node: app() }, routes: ROUTES }, { token: "${TEST_DASHBOARD_TOKEN:-s3cret}" });
  await z.zoo.waitFor(/node: ready/);
  const bearer = { authorization: "Bearer s3cret" };
  const none = await call(z.dashboard, "GET", "/api/status");
  assert.equal(none.status, 401);
  assert.equal(none.headers["www-authenticate"], 'Bearer realm="zoo"');
  assert.equal((await call(z.dashboard, "GET", "/api/status", { headers: { authorization: "Bearer wrong" } })).status, 401);
  assert.equal((await call(z.dashboard, "GET", "/api/status", { headers: bearer })).status, 200);
  assert.equal((await call(z.dashboard, "GET", "/api/status?token=s3cret")).status, 200);
  assert.equal((await call(z.dashboard, "POST", "/api/apps/node/restart?token=s3cret")).status, 401, "a POST needs the header");
  assert.equal((await call(z.dashboard, "POST", "/api/reload?dryRun=1", { headers: bearer })).status, 200);
  assert.equal((await call(z.dashboard, "POST", "/api/reload?dryRun=1", { headers: { ...bearer, origin: "http://evil.example" } })).status, 403);
  // A reload cannot change the dashboard (its listener is opened at start), and says so without the tokens.
  z.rewrite({ apps: { node: app() }, routes: ROUTES, dashboard: { listen: "127.0.0.1:0", token: "n3w-secret" } });
  const reload = await call(z.dashboard, "POST", "/api/reload", { headers: bearer });
  assert.equal(reload.status, 400, reload.body);
  assert.match(reload.json().output, /^not reloaded:\n {2}refused: dashboard changed .*"token":"\(hidden\)".*: zoo opens the dashboard's listener when it starts/m);
  assert.doesNotMatch(reload.body, /s3cret|n3w-secret/);
  const page = await call(z.dashboard, "GET", "/");
  assert.equal(page.status, 200);
  assert.match(page.body, /<script type="module" src="\/app.js">/);
  assert.match(String(page.headers["content-security-policy"]), /frame-ancestors 'none'/);
});

test("events: a hello with the status and the traffic, a tick each second, at most 8 pages at once", async (t) => {
  const z = await runDashboard(t, { apps: { node: app() }, routes: ROUTES });
  await z.zoo.waitFor(/node: ready/);
  await get(z.port);
  const streams: http.IncomingMessage[] = [];
  t.after(() => streams.forEach((stream) => stream.destroy()));
  const open = () =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: z.dashboard, path: "/api/events?logs=node", agent: false }, resolve).on("error", reject);
    });
  const first = await open();
  streams.push(first);
  assert.equal(first.headers["content-type"], "text/event-stream");
  let text = "";
  first.setEncoding("utf8");
  await new Promise<void>((resolve) => first.on("data", (chunk) => ((text += chunk), /event: tick\n/.test(text) && resolve())));
  const hello = JSON.parse(/event: hello\ndata: (.*)\n/.exec(text)![1]);
  assert.equal(hello.apps[0].state, "ready");
  assert.deepEqual(hello.traffic.map((series: { route: string; app: string }) => [series.route, series.app]), [["/", "node"]]);
  assert.ok(hello.logs.lines.some((line: { line: string }) => /node: ready/.test(line.line)));
  for (let i = 1; i < 8; i++) streams.push(await open());
  const ninth = await open();
  streams.push(ninth);
  assert.equal(ninth.statusCode, 503);
  streams[1].destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const again = await open();
  streams.push(again);
  assert.equal(again.statusCode, 200, "a closed page's place is free again");
});

test("off a loopback address zoo refuses to start without a token; the dashboard may not take the public port", async (t) => {
  const dir = project(t, {
    "zoo.config.json": JSON.stringify({ listen: 8123, apps: {}, routes: {}, dashboard: { listen: "0.0.0.0:9465" } }),
  });
  const refused = await runCli(["start", "-c", join(dir, "zoo.config.json")]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /dashboard\.token/);
  assert.match(refused.stderr, /0\.0\.0\.0:9465, which is not a loopback address: set "token"/);
  const collide = project(t, { "zoo.config.json": JSON.stringify({ listen: "127.0.0.1:8123", dashboard: { listen: "127.0.0.1:8123" } }) });
  const collided = await runCli(["validate", "-c", join(collide, "zoo.config.json")]);
  assert.equal(collided.code, 2);
  assert.match(collided.stderr, /dashboard needs its own port/);
  const ok = project(t, { "zoo.config.json": JSON.stringify({ listen: 8123, dashboard: { listen: "0.0.0.0:9465", token: "t" } }) });
  const valid = await runCli(["validate", "-c", join(ok, "zoo.config.json")]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /^dashboard http:\/\/0\.0\.0\.0:9465\/ \(token required\)$/m);
});

test("the dashboard shares the metrics listener when both name the same address", async (t) => {
  const port = await freePort();
  const { dir, file } = tempConfig({ listen: "127.0.0.1:0", metrics: { listen: `127.0.0.1:${port}` }, dashboard: { listen: `127.0.0.1:${port}` } });
  const zoo = startZoo(["start", "-c", file], { cwd: dir });
  t.after(() => stopZoo(zoo));
  await zoo.waitFor(/dashboard on http:\/\/127\.0\.0\.1:\d+\/ \(beside \/metrics\)/, 60_000);
  assert.match((await call(port, "GET", "/metrics")).body, /zoo_http_requests_total/);
  assert.equal((await call(port, "GET", "/api/status")).json().listening, true);
  assert.equal((await call(port, "GET", "/")).status, 200);
});

test("with the dashboard off, none of its modules is loaded", async (t) => {
  const hook = join(import.meta.dirname, "../helpers/loaded-modules.ts");
  const { dir, file } = tempConfig({ listen: "127.0.0.1:0" });
  const zoo = startZoo(["start", "-c", file], { cwd: dir, env: { NODE_OPTIONS: `--import=${hook}` } });
  t.after(() => stopZoo(zoo));
  await zoo.waitFor(/listening on/, 60_000);
  await stopZoo(zoo);
  assert.match(zoo.output(), /loaded: .*\/src\/main\.ts/, "the hook sees zoo's modules");
  assert.doesNotMatch(zoo.output(), /loaded: .*\/src\/dashboard\//);
  assert.doesNotMatch(zoo.output(), /loaded: .*uplot/);
});
