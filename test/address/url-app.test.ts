// Apps zoo fronts but does not run (`url`): zoo probes the address, holds requests until it is ready, routes to it
// with the client's Host, stops routing while its probe fails, and leaves it running when zoo stops.
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { CLI, freePort, listeningPort, startZoo, stopZoo } from "../helpers/zoo-process.ts";

function request(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { host }, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
  });
}

test("a url app: requests wait until it answers its probe, reach it with the client's Host, and zoo leaves it running", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "zoo-url-app-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const appPort = await freePort();
  writeFileSync(join(dir, "package.json"), "{}");
  writeFileSync(
    join(dir, "zoo.config.json"),
    JSON.stringify({
      apps: { remote: { url: `http://127.0.0.1:${appPort}`, health: { http: "/health", interval: "100ms" } } },
      routes: { "/": "remote", "/api": { app: "remote", stripPrefix: true } },
      readyWait: "20s",
    }),
  );
  const zoo = startZoo(["start", "--listen", "127.0.0.1:0"], { cwd: dir });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/remote: starting\W+probing http:\/\/127\.0\.0\.1:\d+ \(zoo does not run this app\)/);

  // Nothing listens yet: the request is held.
  const held = request(port, "/api/x?y=1", "shop.example");
  let healthy = true;
  const seen: { url: string; host: string; prefix: string }[] = [];
  const upstream = http.createServer((req, res) => {
    if (req.url === "/health") return res.writeHead(healthy ? 200 : 503).end();
    seen.push({ url: req.url!, host: req.headers.host!, prefix: String(req.headers["x-forwarded-prefix"]) });
    res.end("remote says hi");
  });
  t.after(() => upstream.close());
  upstream.listen(appPort, "127.0.0.1");
  await once(upstream, "listening");

  assert.deepEqual(await held, { status: 200, body: "remote says hi" });
  assert.deepEqual(seen, [{ url: "/x?y=1", host: "shop.example", prefix: "/api" }]);
  await zoo.waitFor(/remote: ready/);

  // Its probe fails: not routed to until it passes again.
  healthy = false;
  await zoo.waitFor(/remote: unhealthy\W+http \/health: status 503; not routed to until its probe passes again/);
  healthy = true;
  await zoo.waitFor(/remote: ready\W+again/);

  zoo.child.kill("SIGTERM");
  assert.equal((await zoo.exited).code, 0);
  assert.match(zoo.output(), /remote: stopped\W+stopped by zoo/);
  // zoo did not run it, so zoo did not stop it.
  const still = await new Promise<number>((resolve) => http.get({ host: "127.0.0.1", port: appPort, path: "/health", agent: false }, (res) => resolve(res.statusCode!)));
  assert.equal(still, 200);
});

test("restart, stop, start, scale and logs of a url app say plainly that zoo does not run it (exit 2)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "zoo-url-app-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const appPort = await freePort();
  writeFileSync(join(dir, "package.json"), "{}");
  writeFileSync(join(dir, "zoo.config.json"), JSON.stringify({ apps: { remote: { url: `http://127.0.0.1:${appPort}` } }, routes: { "/": "remote" } }));
  const zoo = startZoo(["start", "--listen", "127.0.0.1:0"], { cwd: dir });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/remote: starting/);
  for (const args of [["restart", "remote"], ["stop", "remote"], ["start", "remote"], ["scale", "remote", "2"], ["logs", "remote"]]) {
    const result = spawnSync(process.execPath, [CLI, ...args, "--listen", `127.0.0.1:${port}`], { cwd: dir, encoding: "utf8" });
    assert.equal(result.status, 2, `zoo ${args.join(" ")}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, new RegExp(`^zoo ${args[0]}: zoo does not run remote, it only fronts it at http://127\\.0\\.0\\.1:${appPort}`));
  }
});
