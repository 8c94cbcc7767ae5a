// Metrics through a real zoo: what its proxy and supervisor report lands in /metrics under route and app labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ROOT, freePort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { boundPort, value } from "./helpers.ts";

const SERVER = join(ROOT, "fixtures/supervisor/server.js");
const FAMILY = join(ROOT, "fixtures/supervisor/family.js");

test("a real zoo counts requests, bytes, held requests, wakes and upstream errors by route and app", { timeout: 90_000 }, async (t) => {
  const closedPort = await freePort(); // nothing listens there: the outside origin refuses
  const { file } = tempConfig({
    apps: {
      web: { command: [process.execPath, SERVER] },
      sleepy: { command: [process.execPath, SERVER], lazy: true },
      family: { command: [process.execPath, FAMILY], stopTimeout: "500ms" },
    },
    routes: { "/web": "web", "/sleepy": "sleepy", "/gone": { proxy: `http://127.0.0.1:${closedPort}` } },
    metrics: { listen: "127.0.0.1:0" },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const origin = `http://127.0.0.1:${await boundPort(zoo)}`;
  const metricsUrl = (await zoo.waitFor(/metrics on http:\/\/\S+\/metrics/, 60_000)).replace(/^metrics on /, "");
  await zoo.waitFor(/web: ready/, 60_000);

  const send = async (path: string, init?: RequestInit) => {
    const res = await fetch(origin + path, init);
    await res.arrayBuffer();
    return res.status;
  };
  assert.equal(await send("/web/a/1"), 200);
  assert.equal(await send("/web/b/2?x=y", { method: "POST", body: "x".repeat(100) }), 200);
  assert.equal(await send("/sleepy/first"), 200); // held while the lazy app wakes
  assert.equal(await send("/gone/x"), 502);
  assert.equal(await send("/nowhere"), 404);

  const text = await (await fetch(metricsUrl)).text();
  const at = (series: string) => value(text, series);
  assert.equal(at('zoo_http_requests_total{route="/web",app="web",method="GET",code="200"}'), 1);
  assert.equal(at('zoo_http_requests_total{route="/web",app="web",method="POST",code="200"}'), 1);
  assert.equal(at('zoo_http_requests_total{route="/sleepy",app="sleepy",method="GET",code="200"}'), 1);
  assert.equal(at('zoo_http_requests_total{route="/gone",app="",method="GET",code="502"}'), 1);
  assert.equal(at('zoo_http_requests_total{route="-",app="",method="GET",code="404"}'), 1);
  assert.equal(at('zoo_http_request_bytes_total{route="/web",app="web"}'), 100);
  assert.ok(at('zoo_http_response_bytes_total{route="/web",app="web"}')! > 0);
  assert.equal(at('zoo_http_request_duration_seconds_count{route="/web",app="web"}'), 2);
  assert.equal(at('zoo_http_response_headers_seconds_count{route="/web",app="web"}'), 2);
  assert.equal(at('zoo_http_requests_in_flight{route="/web",app="web"}'), 0);
  assert.equal(at('zoo_upstream_errors_total{route="/gone",app="",kind="refused"}'), 1);
  assert.equal(at('zoo_held_requests_total{route="/sleepy",app="sleepy"}'), 1);
  assert.equal(at('zoo_held_duration_seconds_count{route="/sleepy",app="sleepy"}'), 1);
  assert.ok(at('zoo_held_duration_seconds_sum{route="/sleepy",app="sleepy"}')! > 0);
  assert.equal(at('zoo_held_requests_total{route="/web",app="web"}') ?? 0, 0);
  assert.equal(at('zoo_app_wakes_total{app="sleepy",replica="0"}'), 1);
  assert.equal(at('zoo_app_up{app="web",replica="0"}'), 1);
  assert.equal(at('zoo_app_up{app="sleepy",replica="0"}'), 1);
  assert.equal(at('zoo_app_state{app="web",replica="0",state="ready"}'), 1);
  assert.equal(at('zoo_app_restarts_total{app="web",replica="0"}'), 0);
  assert.ok(at('zoo_app_ready_seconds{app="web",replica="0"}')! > 0);
  assert.ok(at('zoo_app_processes{app="web",replica="0"}')! >= 1);
  assert.ok(at('zoo_app_resident_memory_bytes{app="web",replica="0"}')! > 10e6);
  assert.ok(at('zoo_app_cpu_seconds_total{app="web",replica="0"}')! > 0);
  assert.doesNotMatch(text, /\/web\/a|\/web\/b|x=y|\/nowhere/, "no raw paths or queries in labels");

  // An app's whole tree: family.js runs a child and a grandchild that left its process group (setsid).
  const [, child, grandchild] = /pids (\d+) (\d+)/.exec(await zoo.waitFor(/pids \d+ \d+/, 60_000))!;
  let family = "";
  const deadline = Date.now() + 20_000;
  while (value(family, 'zoo_app_processes{app="family",replica="0"}') !== 3 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    family = await (await fetch(metricsUrl)).text();
  }
  assert.equal(value(family, 'zoo_app_processes{app="family",replica="0"}'), 3, `the app, its child ${child} and its setsid grandchild ${grandchild}`);
  const memory = value(family, 'zoo_app_resident_memory_bytes{app="family",replica="0"}')!;
  assert.ok(memory > 3 * 15e6, `three node processes' memory, found ${memory}`);
});

test("a metrics address that is taken: zoo says so, starts no app, and exits 1", { timeout: 60_000 }, async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const { file } = tempConfig({
    apps: { web: { command: [process.execPath, SERVER] } },
    routes: { "/": "web" },
    metrics: { listen: `127.0.0.1:${port}` },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  assert.equal((await zoo.exited).code, 1);
  assert.match(zoo.output(), new RegExp(`cannot serve metrics on 127\\.0\\.0\\.1:${port}: the address is already in use`));
  assert.doesNotMatch(zoo.output(), /web: starting/);
});

test("an app with 2 replicas: one series per replica, app is the app's name and replica its index", { timeout: 90_000 }, async (t) => {
  const { file } = tempConfig({
    apps: { node: { command: [process.execPath, SERVER], replicas: 2 } },
    routes: { "/": "node" },
    metrics: { listen: "127.0.0.1:0" },
  });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const origin = `http://127.0.0.1:${await boundPort(zoo)}`;
  const metricsUrl = (await zoo.waitFor(/metrics on http:\/\/\S+\/metrics/, 60_000)).replace(/^metrics on /, "");
  await zoo.waitFor(/node\.0: ready/, 60_000);
  await zoo.waitFor(/node\.1: ready/, 60_000);
  for (let i = 0; i < 4; i++) assert.equal((await fetch(`${origin}/x`)).status, 200);

  const text = await (await fetch(metricsUrl)).text();
  const at = (series: string) => value(text, series);
  for (const replica of ["0", "1"]) {
    assert.equal(at(`zoo_app_up{app="node",replica="${replica}"}`), 1, `replica ${replica} is up`);
    assert.equal(at(`zoo_app_state{app="node",replica="${replica}",state="ready"}`), 1);
    assert.equal(at(`zoo_app_restarts_total{app="node",replica="${replica}"}`), 0);
    assert.ok(at(`zoo_app_processes{app="node",replica="${replica}"}`)! >= 1);
    assert.ok(at(`zoo_app_resident_memory_bytes{app="node",replica="${replica}"}`)! > 10e6);
  }
  assert.equal(text.match(/^zoo_app_up\{/gm)?.length, 2, "one series per replica");
  assert.equal(at('zoo_http_requests_total{route="/",app="node",method="GET",code="200"}'), 4, "requests are counted per app");
  assert.doesNotMatch(text, /app="node\.\d"/, "no replica's name in an app label");
});
