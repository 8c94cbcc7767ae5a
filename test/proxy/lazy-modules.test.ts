// zoo loads what its config uses, when it first uses it (issue 22). With one app and one plain route an idle zoo
// carries neither send (static files), bcryptjs (basicAuth), http-proxy-3 (WebSockets, outside origins) nor undici
// (requests to apps); each is imported by the first request that needs it, and that request is served. The hook
// prints every module zoo loads; the app does not inherit it.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import bcrypt from "bcryptjs";
import { WebSocket } from "ws";
import { listeningPort, startZoo, stopZoo, tempConfig, type ZooProcess } from "../helpers/zoo-process.ts";

const HOOK = join(import.meta.dirname, "../helpers/loaded-modules.ts");
const APP = { command: [process.execPath, join(import.meta.dirname, "../lazy/app.js")], stopTimeout: "2s", env: { NODE_OPTIONS: "" } };
const OPTIONAL = ["send", "bcryptjs", "http-proxy-3", "undici"];

const loaded = (pkg: string) => new RegExp(`loaded: \\S*/node_modules/${pkg}/`);

async function startWithHook(t: TestContext, config: Record<string, unknown>, files?: Record<string, string>): Promise<{ zoo: ZooProcess; origin: string }> {
  const { dir, file } = tempConfig({ logFormat: "text", ...config }, files);
  const zoo = startZoo(["start", "-c", file, "--listen", "127.0.0.1:0"], { cwd: dir, env: { NODE_OPTIONS: `--import=${HOOK}` } });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/api: ready/);
  assert.match(zoo.output(), /loaded: \S*\/src\/main\.ts/, "the hook sees zoo's modules");
  for (const pkg of OPTIONAL) assert.doesNotMatch(zoo.output(), loaded(pkg), `${pkg} is loaded at idle`);
  return { zoo, origin: `http://127.0.0.1:${port}` };
}

/** Three requests at once: the first ones wait for the import together. */
async function threeAtOnce(url: string, init?: RequestInit): Promise<string[]> {
  return Promise.all(
    [1, 2, 3].map(async () => {
      const res = await fetch(url, init);
      assert.equal(res.status, 200, url);
      return res.text();
    }),
  );
}

test("one app, one plain route: nothing optional at idle; the first requests load undici only and are served", async (t) => {
  const { zoo, origin } = await startWithHook(t, { apps: { api: APP }, routes: { "/": "api" } });
  const bodies = await threeAtOnce(`${origin}/first`);
  assert.ok(bodies.every((body) => body.startsWith("/first pid")), bodies.join());
  await zoo.waitFor(loaded("undici"));
  await stopZoo(zoo);
  for (const pkg of ["send", "bcryptjs", "http-proxy-3"]) assert.doesNotMatch(zoo.output(), loaded(pkg), `${pkg} was loaded`);
});

test("the first WebSocket loads http-proxy-3 (not undici) and is proxied", async (t) => {
  const { zoo, origin } = await startWithHook(t, { apps: { api: APP }, routes: { "/": "api" } });
  const ws = new WebSocket(origin.replace("http:", "ws:"));
  t.after(() => ws.terminate());
  await once(ws, "open");
  ws.send("hello");
  assert.equal(String((await once(ws, "message"))[0]), "echo hello");
  await zoo.waitFor(loaded("http-proxy-3"));
  ws.close();
  await once(ws, "close");
  await stopZoo(zoo);
  assert.doesNotMatch(zoo.output(), loaded("undici"));
});

test("static, basicAuth and outside-origin routes: nothing optional at idle; each first request loads its module and is served", async (t) => {
  const outside = http.createServer((req, res) => res.end(`outside ${req.url}`));
  outside.listen(0, "127.0.0.1");
  await once(outside, "listening");
  t.after(() => outside.close());
  const { zoo, origin } = await startWithHook(
    t,
    {
      apps: { api: APP },
      routes: {
        "/files": { static: "." },
        "/private": { app: "api", basicAuth: { users: { alice: bcrypt.hashSync("secret", 4) } } },
        "/outside": { proxy: `http://127.0.0.1:${(outside.address() as AddressInfo).port}` },
      },
    },
    { "hello.txt": "hello\n" },
  );

  assert.deepEqual(await threeAtOnce(`${origin}/files/hello.txt`), Array(3).fill("hello\n"));
  await zoo.waitFor(loaded("send"));

  const authorization = `Basic ${Buffer.from("alice:secret").toString("base64")}`;
  const bodies = await threeAtOnce(`${origin}/private/x`, { headers: { authorization } });
  assert.ok(bodies.every((body) => body.startsWith("/private/x pid")), bodies.join());
  await zoo.waitFor(loaded("bcryptjs"));

  assert.deepEqual(await threeAtOnce(`${origin}/outside/y`), Array(3).fill("outside /y"));
  await zoo.waitFor(loaded("http-proxy-3"));
});
