// The single executable carries the packages zoo loads on demand (undici, send, bcryptjs, http-proxy-3, prom-client,
// acme-client) as assets of their own, compiled at first use (scripts/sea-modules.ts): each feature that needs one
// works in the binary as it does under Node. (ACME against pebble with the binary: test/tls/acme.test.ts.)
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import bcrypt from "bcryptjs";
import { WebSocket } from "ws";
import { freePort, listeningPort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";
import { singleExecutable } from "../helpers/single-executable.ts";

const APP = { command: [process.execPath, join(import.meta.dirname, "../lazy/app.js")], stopTimeout: "2s", env: { NODE_OPTIONS: "" } };

test("the single executable serves an app, static files, basicAuth, an outside origin, a WebSocket and metrics", { timeout: 120_000 }, async (t) => {
  const binary = await singleExecutable();
  const outside = http.createServer((req, res) => res.end(`outside ${req.url}`));
  outside.listen(0, "127.0.0.1");
  await once(outside, "listening");
  t.after(() => outside.close());
  const metricsPort = await freePort();
  const { dir, file } = tempConfig(
    {
      apps: { api: APP },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
      routes: {
        "/files": { static: "." },
        "/private": { app: "api", basicAuth: { users: { alice: bcrypt.hashSync("secret", 4) } } },
        "/outside": { proxy: `http://127.0.0.1:${(outside.address() as AddressInfo).port}` },
        "/": "api",
      },
    },
    { "hello.txt": "hello\n" },
  );
  const zoo = startZoo(["start", "-c", file, "--listen", "127.0.0.1:0"], { command: [binary], cwd: dir });
  t.after(() => stopZoo(zoo));
  const origin = `http://127.0.0.1:${await listeningPort(zoo)}`;
  await zoo.waitFor(/api: ready/);

  const app = await fetch(`${origin}/first`);
  assert.equal(app.status, 200);
  assert.match(await app.text(), /^\/first pid \d+/);

  assert.equal(await (await fetch(`${origin}/files/hello.txt`)).text(), "hello\n");

  assert.equal((await fetch(`${origin}/private/x`)).status, 401);
  const authorization = `Basic ${Buffer.from("alice:secret").toString("base64")}`;
  const authorized = await fetch(`${origin}/private/x`, { headers: { authorization } });
  assert.equal(authorized.status, 200);
  assert.match(await authorized.text(), /^\/private\/x pid/);

  assert.equal(await (await fetch(`${origin}/outside/y`)).text(), "outside /y");

  const ws = new WebSocket(origin.replace("http:", "ws:"));
  t.after(() => ws.terminate());
  await once(ws, "open");
  ws.send("hello");
  assert.equal(String((await once(ws, "message"))[0]), "echo hello");
  ws.close();

  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, /^zoo_/m);
  assert.doesNotMatch(zoo.output(), /Cannot find module|ERR_UNKNOWN_BUILTIN_MODULE|No such built-in module/);
});
