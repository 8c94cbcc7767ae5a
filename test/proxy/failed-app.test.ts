// A route to an app that failed for good says so, with the reason `zoo status` gives, and sends no Retry-After:
// retrying cannot help until an operator acts. A route to an app that is still starting keeps its Retry-After.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { test, type TestContext } from "node:test";
import { CLI, listeningPort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";

async function zooWith(t: TestContext, config: Record<string, unknown>) {
  const { dir, file } = tempConfig({ listen: "127.0.0.1:0", control: "zoo.sock", ...config });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const zoo = startZoo(["start", "--config", file]);
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  const cli = (...args: string[]) =>
    new Promise<string>((resolve) => execFile(process.execPath, [CLI, ...args, "--config", file], (_error, stdout) => resolve(stdout)));
  return { zoo, port, cli };
}

test("an app whose command does not exist: 503 says it failed and why, without Retry-After", async (t) => {
  const { zoo, port, cli } = await zooWith(t, { apps: { api: { command: "zoo-test-no-such-command" } }, routes: { "/": "api" } });
  await zoo.waitFor(/api: failed/);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  const body = await response.text();
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), null, "no retry can succeed until an operator acts");
  const status = await cli("status");
  const reason = /^api\s+failed \((.+)\)/m.exec(status)?.[1];
  assert.ok(reason, status);
  assert.equal(body.trim(), `503 Service Unavailable: route / → app api: the app failed: ${reason} (zoo start api runs it again)`);
  assert.doesNotMatch(body, /not ready/);
});

test("an app that is still starting: 503 not ready, with Retry-After", async (t) => {
  const { zoo, port } = await zooWith(t, {
    apps: { api: { command: ["node", "-e", "setInterval(() => {}, 1000)"], health: { tcp: true, startTimeout: "60s" } } },
    routes: { "/": "api" },
    readyWait: "200ms",
  });
  await zoo.waitFor(/api: starting/);
  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(response.status, 503);
  assert.match(await response.text(), /the app is not ready after 200 ms/);
  assert.equal(response.headers.get("retry-after"), "1");
});
