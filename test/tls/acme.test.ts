// ACME for real against Debian's pebble: a fresh zoo obtains a certificate for a host named in its routes, with
// HTTP-01 answered by its own plain listener (pebble really connects to it and checks the answer), and serves HTTPS
// with it; a restarted zoo serves the stored certificate with pebble gone.
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { closedPort, request } from "../proxy/helpers/net.ts";
import { startZoo, stopZoo, type ZooProcess } from "../helpers/zoo-process.ts";
import { singleExecutable } from "../helpers/single-executable.ts";
import { makeCa } from "./certs.ts";
import { httpsGet, startPebble } from "./pebble.ts";

async function ports(zoo: ZooProcess): Promise<{ plain: number; tls: number }> {
  const plain = await zoo.waitFor(/listening on http:\/\/\S+:\d+/);
  const tls = await zoo.waitFor(/listening on https:\/\/\S+:\d+/);
  return { plain: Number(/:(\d+)$/.exec(plain)![1]), tls: Number(/:(\d+)$/.exec(tls)![1]) };
}

/**
 * A TCP pass-through on a port of its own, like `docker run -p 80:8000`: pebble must know where to validate before
 * zoo (started on port 0) has a port. Connections wait until the target is set.
 */
async function relay(): Promise<{ port: number; target: (port: number) => void; close: () => void }> {
  let setTarget!: (port: number) => void;
  const target = new Promise<number>((resolve) => (setTarget = resolve));
  const server = net.createServer((client) => {
    client.on("error", () => {});
    void target.then((port) => {
      const upstream = net.connect(port, "127.0.0.1");
      upstream.on("error", () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { port: (server.address() as net.AddressInfo).port, target: setTarget, close: () => server.close() };
}

/** A zoo config in the CA's directory: a static site for localhost, its certificate from ACME at `directory`. */
function acmeSite(ca: { dir: string; caFile: string }, directory: string, page: string): string {
  mkdirSync(path.join(ca.dir, "site"));
  writeFileSync(path.join(ca.dir, "site", "index.html"), page);
  const configFile = path.join(ca.dir, "zoo.config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      listen: "127.0.0.1:0",
      routes: { "localhost/": { static: "site" } },
      tls: { listen: "127.0.0.1:0", acme: { email: "ops@zoo.test", directory, dir: "acme-store", ca: ca.caFile } },
    }),
  );
  return configFile;
}

/** pebble behind a relay (its HTTP-01 port), and a zoo config whose site gets its certificate from it. */
async function pebbleSite(t: TestContext, page: string) {
  const ca = makeCa();
  const front = await relay();
  t.after(front.close);
  const pebble = await startPebble(ca, front.port);
  t.after(pebble.stop);
  return { ca, front, pebble, configFile: acmeSite(ca, pebble.directory, page) };
}

test("a fresh zoo gets a certificate from pebble over HTTP-01 and serves it; a restarted zoo reuses it", { timeout: 120_000 }, async (t) => {
  const { ca, front, pebble, configFile } = await pebbleSite(t, "served with an ACME certificate\n");

  const fresh = startZoo(["start", "--config", configFile]);
  t.after(() => stopZoo(fresh));
  const freshPorts = await ports(fresh);
  front.target(freshPorts.plain);
  await fresh.waitFor(/acme: localhost: certificate obtained/, 60_000);
  const root = await pebble.root();
  const get = (port: number) => httpsGet(`https://localhost:${port}/`, root, { host: "127.0.0.1", servername: "localhost" });
  const served = await get(freshPorts.tls);
  assert.equal(served.status, 200);
  assert.equal(served.body, "served with an ACME certificate\n");
  assert.equal(served.peerCertificate.subjectaltname, "DNS:localhost");
  assert.ok(existsSync(path.join(ca.dir, "acme-store", "account.key")), "the account key is kept");
  assert.ok(existsSync(path.join(ca.dir, "acme-store", "certificates", "localhost.crt")), "the certificate is kept");
  // The plain listener served throughout (it answered pebble), and still does.
  assert.equal((await request(freshPorts.plain, "/", { headers: { host: "localhost" } })).status, 200);
  await stopZoo(fresh);
  await pebble.stop();

  const restarted = startZoo(["start", "--config", configFile]);
  t.after(() => stopZoo(restarted));
  const restartedPorts = await ports(restarted);
  await restarted.waitFor(/acme: localhost: using the stored certificate/);
  const again = await get(restartedPorts.tls);
  assert.equal(again.status, 200);
  assert.equal(again.peerCertificate.serialNumber, served.peerCertificate.serialNumber, "the same certificate");
  assert.doesNotMatch(restarted.output(), /requesting a certificate/);
});

test("the single executable gets its certificate from pebble too (acme-client is one of its assets)", { timeout: 120_000 }, async (t) => {
  const binary = await singleExecutable();
  const { front, pebble, configFile } = await pebbleSite(t, "the binary, with an ACME certificate\n");
  const zoo = startZoo(["start", "--config", configFile], { command: [binary] });
  t.after(() => stopZoo(zoo));
  const { plain, tls } = await ports(zoo);
  front.target(plain);
  await zoo.waitFor(/acme: localhost: certificate obtained/, 60_000);
  const served = await httpsGet(`https://localhost:${tls}/`, await pebble.root(), { host: "127.0.0.1", servername: "localhost" });
  assert.equal(served.body, "the binary, with an ACME certificate\n");
  assert.equal(served.peerCertificate.subjectaltname, "DNS:localhost");
});

test("an ACME directory that cannot be reached: said in seconds, with why; tried again later; the plain listener serves", { timeout: 60_000 }, async (t) => {
  const ca = makeCa();
  const closed = await closedPort();
  const configFile = acmeSite(ca, `https://127.0.0.1:${closed}/dir`, "plain\n");
  const zoo = startZoo(["start", "--config", configFile]);
  t.after(() => stopZoo(zoo));
  const { plain } = await ports(zoo);
  const started = Date.now();
  await zoo.waitFor(new RegExp(`acme: localhost: the ACME directory https://127\\.0\\.0\\.1:${closed}/dir cannot be reached: connection refused; trying again in 5s`), 20_000);
  assert.ok(Date.now() - started < 15_000, "in seconds, not after a minute of retries");
  const reply = await request(plain, "/", { headers: { host: "localhost" } });
  assert.equal(reply.status, 200);
});
