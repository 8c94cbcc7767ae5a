// An outside-proxy route against a local HTTPS origin with a self-signed certificate made here.
// The proxy verifies certificates (secure: true, as for google.com); the test trusts its own CA the way an
// operator would, through NODE_EXTRA_CA_CERTS, which Node reads at startup — hence a separate process.
import { test } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { request } from "./helpers/net.ts";
import { serveInProcess } from "./helpers/process.ts";

function selfSigned(t: import("node:test").TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "zoo-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  return { key: readFileSync(key), cert: readFileSync(cert), certFile: cert };
}

async function origin(t: import("node:test").TestContext, tls: { key: Buffer; cert: Buffer }) {
  const seen: { url: string; host: string; servername: string | false | null; xff: string }[] = [];
  const server = https.createServer(tls, (req, res) => {
    seen.push({ url: req.url!, host: req.headers.host!, servername: (req.socket as TLSSocket).servername, xff: String(req.headers["x-forwarded-for"]) });
    res.end("from the origin");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

test("proxy route: TLS with SNI, the origin's own Host, prefix stripped, query kept", async (t) => {
  const tls = selfSigned(t);
  const up = await origin(t, tls);
  const routes = [{ prefix: "/ext", kind: "proxy" as const, target: `https://localhost:${up.port}`, stripPrefix: true }];
  const { port } = await serveInProcess(t, { routes }, { NODE_EXTRA_CA_CERTS: tls.certFile });
  const reply = await request(port, "/ext/search?q=zoo");
  assert.equal(reply.status, 200);
  assert.equal(reply.body, "from the origin");
  assert.deepEqual(up.seen[0], { url: "/search?q=zoo", host: `localhost:${up.port}`, servername: "localhost", xff: "127.0.0.1" });
});

test("proxy route: an untrusted certificate is refused with 502", async (t) => {
  const up = await origin(t, selfSigned(t));
  const routes = [{ prefix: "/ext", kind: "proxy" as const, target: `https://localhost:${up.port}`, stripPrefix: true }];
  const { port } = await serveInProcess(t, { routes });
  const reply = await request(port, "/ext/");
  assert.equal(reply.status, 502);
  assert.match(reply.body, /route \/ext → proxy https:\/\/localhost:\d+/);
  assert.equal(up.seen.length, 0);
});
