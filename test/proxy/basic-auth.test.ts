// basicAuth on a route, over the plain listener and HTTPS/HTTP/2: 401 with WWW-Authenticate for missing or wrong
// credentials, the same bcrypt work for unknown users, Authorization kept from the app unless the route passes it,
// no credentials in the access log, failures slowing down their address only, and real clients: curl -u with a
// file from htpasswd -B, and `zoo hash-password`.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";
import { buildConfig } from "../../src/config/load.ts";
import type { Route } from "../../src/config/types.ts";
import { HOST, WIRES, ca, fetchRaw, startBoth } from "./helpers/both.ts";
import { TestGate } from "./helpers/gate.ts";
import { echo, raw } from "./helpers/net.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const ALICE = bcrypt.hashSync("wonderland", 10);
const DAVE = bcrypt.hashSync("diver", 10);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const authRoute = (extra: Partial<NonNullable<Route["basicAuth"]>> = {}): Route => ({
  prefix: "/",
  kind: "app",
  app: "web",
  stripPrefix: false,
  basicAuth: { realm: "staff only", users: { alice: ALICE }, passAuthorization: false, ...extra },
});
const seenHeaders = (body: Buffer) => (JSON.parse(body.toString()) as { headers: http.IncomingHttpHeaders }).headers;

/** One HTTP/1.1 request from a chosen loopback address (each address has its own failure count); its time in ms. */
async function timed(port: number, from: string, authorization?: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", localAddress: from, headers: { host: HOST, ...(authorization && { authorization }) }, agent: false });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
  return { status, ms: performance.now() - started };
}

describe("basic auth over HTTP/1.1 and HTTP/2", () => {
  for (const wire of WIRES) {
    test(`${wire}: 401 with WWW-Authenticate without the right credentials; the app never sees them`, async (t) => {
      const up = await echo(t);
      const proxy = await startBoth(t, [authRoute(), { ...authRoute({ passAuthorization: true }), prefix: "/pass" }], new TestGate({ web: { port: up.port } }));
      for (const authorization of [undefined, basic("alice", "wrong"), basic("nobody", "wonderland"), "Bearer abc", "Basic !!!"]) {
        const reply = await fetchRaw(wire, proxy, "/", { headers: authorization ? { authorization } : {} });
        assert.equal(reply.status, 401, String(authorization));
        assert.equal(reply.headers["www-authenticate"], 'Basic realm="staff only", charset="UTF-8"');
      }
      const ok = await fetchRaw(wire, proxy, "/", { headers: { authorization: basic("alice", "wonderland") } });
      assert.equal(ok.status, 200);
      assert.equal(seenHeaders(ok.body).authorization, undefined, "the app does not get the password");
      const passed = await fetchRaw(wire, proxy, "/pass", { headers: { authorization: basic("alice", "wonderland") } });
      assert.equal(seenHeaders(passed.body).authorization, basic("alice", "wonderland"));
      const log = JSON.stringify(proxy.access);
      assert.doesNotMatch(log, /wonderland|YWxpY2U6d29uZGVybGFuZA|alice/);
    });
  }
});

test("an unknown user costs the same bcrypt check as a wrong password; a right one is remembered", async (t) => {
  const up = await echo(t);
  const proxy = await startBoth(t, [authRoute({ users: { alice: ALICE, dave: DAVE } })], new TestGate({ web: { port: up.port } }));
  // Each check from a fresh address, so that no failure slowdown is in the times.
  let address = 10;
  const from = () => `127.0.0.${address++}`;
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const unknown: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < 5; i++) {
    unknown.push((await timed(proxy.port, from(), basic("mallory", "wonderland"))).ms);
    wrong.push((await timed(proxy.port, from(), basic("alice", "guess"))).ms);
  }
  t.diagnostic(`median 401: unknown user ${median(unknown).toFixed(1)} ms, wrong password ${median(wrong).toFixed(1)} ms`);
  assert.ok(median(unknown) > median(wrong) / 2 && median(unknown) < median(wrong) * 2);
  assert.ok(median(unknown) > 20, "an unknown user's 401 came without a bcrypt check");

  const first = await timed(proxy.port, from(), basic("dave", "diver"));
  const cached = await timed(proxy.port, from(), basic("dave", "diver"));
  assert.equal(first.status, 200);
  assert.equal(cached.status, 200);
  t.diagnostic(`first success ${first.ms.toFixed(1)} ms, remembered ${cached.ms.toFixed(1)} ms`);
  assert.ok(cached.ms < first.ms / 2);
});

test("failures slow down their own address, not another; a success there is not held back for long", async (t) => {
  const up = await echo(t);
  const proxy = await startBoth(t, [authRoute()], new TestGate({ web: { port: up.port } }));
  const attacker = "127.0.0.50";
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await timed(proxy.port, attacker, basic("alice", `guess${i}`))).ms);
  t.diagnostic(`401 times from one address: ${times.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  // After n failures the next check waits 100 × 2^(n-1) ms: the fifth waits 800 ms.
  assert.ok(times[4] > 700, `the fifth failure took ${times[4].toFixed(0)} ms`);
  const other = await timed(proxy.port, "127.0.0.51", basic("alice", "wonderland"));
  assert.equal(other.status, 200);
  assert.ok(other.ms < 500, "another address is not slowed down");
  const user = await timed(proxy.port, attacker, basic("alice", "wonderland"));
  assert.equal(user.status, 200, "not locked out");
});

test("WebSocket upgrades need the credentials too", async (t) => {
  const up = await echo(t);
  const proxy = await startBoth(t, [authRoute()], new TestGate({ web: { port: up.port } }));
  const answer = await raw(proxy.port, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  assert.match(answer, /^HTTP\/1\.1 401 /);
  assert.match(answer, /WWW-Authenticate: Basic realm="staff only"/);
});

test("curl -u against a config with an htpasswd -B file, over HTTP/1.1 and HTTP/2; zoo hash-password's hash works", { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "zoo-auth-"));
  const htpasswd = path.join(dir, "users.htpasswd");
  const made = spawnSync("htpasswd", ["-B", "-C", "5", "-b", "-c", htpasswd, "bob", "builder"]);
  if (made.error) {
    t.diagnostic("no htpasswd (apache2-utils) here: the file is written with bcryptjs");
    writeFileSync(htpasswd, `bob:${bcrypt.hashSync("builder", 5)}\n`);
  }
  const hashed = spawnSync(process.execPath, [path.join(ROOT, "src/cli.ts"), "hash-password"], { input: "s3cret\n", encoding: "utf8" });
  assert.equal(hashed.status, 0, hashed.stderr);
  const carolHash = hashed.stdout.trim();
  assert.match(carolHash, /^\$2b\$10\$/);

  const up = await echo(t);
  const config = buildConfig(
    {
      apps: { web: { command: "true" } },
      routes: { "/": { app: "web", basicAuth: { htpasswd: "users.htpasswd" } }, "/carol": { app: "web", basicAuth: { realm: "carol", users: { carol: carolHash } } } },
    },
    { file: path.join(dir, "zoo.config.json"), env: {} },
  );
  const proxy = await startBoth(t, config.routes, new TestGate({ web: { port: up.port } }));
  const curl = (...args: string[]) => run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", ...args]).then((result) => result.stdout);
  const tls = ["--cacert", ca.caFile, "--resolve", `${HOST}:${proxy.tlsPort}:127.0.0.1`];
  assert.equal(await curl("-u", "bob:builder", "-H", `Host: ${HOST}`, `http://127.0.0.1:${proxy.port}/`), "1.1 200");
  assert.equal(await curl("-u", "bob:nope", "-H", `Host: ${HOST}`, `http://127.0.0.1:${proxy.port}/`), "1.1 401");
  assert.equal(await curl("--http2", "-u", "bob:builder", ...tls, `https://${HOST}:${proxy.tlsPort}/`), "2 200");
  assert.equal(await curl("--http2", ...tls, `https://${HOST}:${proxy.tlsPort}/`), "2 401");
  assert.equal(await curl("-u", "carol:s3cret", "-H", `Host: ${HOST}`, `http://127.0.0.1:${proxy.port}/carol`), "1.1 200");
});
