// TLS suites a scanner looks at: by default zoo offers Mozilla's "intermediate" profile (ECDHE + AEAD for TLS 1.2,
// TLS 1.3), so testssl.sh finds no CBC suite and LUCKY13 does not apply; plain RSA key exchange is refused; the list
// and the oldest version can be overridden; `tls.hsts` adds Strict-Transport-Security to HTTPS answers.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { ROOT, startZoo, stopZoo } from "../helpers/zoo-process.ts";
import { describeProblems, problemsOf } from "../config/helpers.ts";

const NAME = "site.test";
const SERVER = join(ROOT, "fixtures/supervisor/server.js");

/** An RSA certificate: with an ECDSA one, plain RSA key exchange could not be offered at all. */
function rsaSite(t: TestContext): { dir: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "zoo-tls-suites-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "site.key", "-out", "site.pem", "-subj", `/CN=${NAME}`, "-addext", `subjectAltName=DNS:${NAME}`, "-days", "2"], { cwd: dir, stdio: "ignore" });
  return { dir, cert: join(dir, "site.pem"), key: join(dir, "site.key") };
}

/** zoo with HTTPS on a free port for an RSA site; resolves to that port. */
async function startTlsZoo(t: TestContext, tlsFields: Record<string, unknown> = {}): Promise<{ port: number; plainPort: number; ca: string }> {
  const site = rsaSite(t);
  const file = join(site.dir, "zoo.config.json");
  writeFileSync(file, JSON.stringify({
    apps: { web: { command: ["node", SERVER] } },
    routes: { "/": "web", "/moved": { redirect: "/elsewhere" } },
    tls: { listen: "127.0.0.1:0", certificates: [{ cert: site.cert, key: site.key }], ...tlsFields },
  }));
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"]);
  t.after(() => stopZoo(zoo));
  const plain = await zoo.waitFor(/listening on http:\/\/\S+:\d+/);
  const line = await zoo.waitFor(/listening on https:\/\/\S+:\d+/);
  await zoo.waitFor(/web: ready/);
  return { port: Number(/:(\d+)$/.exec(line)![1]), plainPort: Number(/:(\d+)$/.exec(plain)![1]), ca: readFileSync(site.cert, "utf8") };
}

/** The suite a TLS 1.2 client offering only `ciphers` gets, or the handshake's error code. */
function handshake12(port: number, ca: string, ciphers: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: NAME, ca, ciphers, maxVersion: "TLSv1.2" }, () => {
      resolve(socket.getCipher().standardName);
      socket.destroy();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code}`));
  });
}

const hasTestssl = (() => {
  try {
    execFileSync("testssl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

test("testssl.sh: no obsolete CBC suites, LUCKY13 not applicable (the default profile)", { skip: !hasTestssl && "testssl.sh is not installed (apt-get install testssl.sh)" }, async (t) => {
  const { port } = await startTlsZoo(t);
  const out = mkdtempSync(join(tmpdir(), "zoo-testssl-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const json = join(out, "result.json");
  // -s: the cipher categories (NULL, EXPORT, LOW, 3DES, obsolete CBC, AEAD); -L: LUCKY13. --fast keeps it short.
  const args = ["--quiet", "--warnings", "off", "--color", "0", "--nodns", "none", "--fast", "--ip", "127.0.0.1", "--jsonfile", json, "-s", "-L", `https://${NAME}:${port}`];
  await new Promise<void>((resolve) => execFile("testssl", args, { timeout: 150_000 }, () => resolve()));
  assert.ok(existsSync(json), "testssl.sh wrote its findings");
  const findings = new Map((JSON.parse(readFileSync(json, "utf8")) as Array<{ id: string; finding: string }>).map((f) => [f.id, f.finding]));
  assert.equal(findings.get("cipherlist_AVERAGE"), "not offered", "obsolete CBC suites (AES, ARIA, …)");
  assert.equal(findings.get("cipherlist_3DES_IDEA"), "not offered");
  assert.equal(findings.get("cipherlist_LOW"), "not offered");
  assert.equal(findings.get("cipherlist_STRONG"), "offered");
  assert.equal(findings.get("LUCKY13"), "not vulnerable");
});

test("plain RSA key exchange and CBC are refused; ECDHE with AEAD and TLS 1.3 are served", async (t) => {
  const { port, ca } = await startTlsZoo(t);
  for (const suite of ["AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA256", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384"]) {
    assert.match(await handshake12(port, ca, suite), /^refused/, suite);
  }
  assert.equal(await handshake12(port, ca, "ECDHE-RSA-AES128-GCM-SHA256"), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  assert.equal(await handshake12(port, ca, "ECDHE-RSA-CHACHA20-POLY1305"), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  const v13 = await new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: NAME, ca }, () => {
      resolve(socket.getProtocol()!);
      socket.destroy();
    });
    socket.on("error", reject);
  });
  assert.equal(v13, "TLSv1.3");
});

test("tls.ciphers and tls.minVersion override the profile", async (t) => {
  const { port, ca } = await startTlsZoo(t, { ciphers: "TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-SHA", minVersion: "TLSv1.3" });
  assert.match(await handshake12(port, ca, "ECDHE-RSA-AES128-SHA"), /^refused/, "TLS 1.2 is below minVersion");
  const cbc = await startTlsZoo(t, { ciphers: "TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-SHA" });
  assert.equal(await handshake12(cbc.port, cbc.ca, "ECDHE-RSA-AES128-SHA"), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "a CBC suite, asked for");
});

test("tls.hsts: Strict-Transport-Security on HTTPS answers (app, zoo's own, HTTP/1.1 and HTTP/2), never on plain HTTP", async (t) => {
  const { port, plainPort, ca } = await startTlsZoo(t, { hsts: true });
  assert.equal((await fetch(`http://127.0.0.1:${plainPort}/`)).headers.get("strict-transport-security"), null, "never over plain HTTP (RFC 6797 §7.2)");
  const h1 = (path: string, to = port, trust = ca) =>
    new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      const req = https.get({ host: "127.0.0.1", port: to, path, servername: NAME, headers: { host: NAME }, ca: trust, agent: false }, (res) => {
        resolve(res.headers);
        res.resume();
      });
      req.on("error", reject);
    });
  for (const path of ["/", "/moved"]) assert.equal((await h1(path))["strict-transport-security"], "max-age=63072000", path);
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: NAME });
  t.after(() => session.close());
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    const stream = session.request({ ":path": "/", ":authority": NAME });
    stream.on("response", (h) => {
      resolve(h);
      stream.resume();
    });
    stream.on("error", reject);
  });
  assert.equal(headers["strict-transport-security"], "max-age=63072000");

  const custom = await startTlsZoo(t, { hsts: "max-age=300; includeSubDomains" });
  assert.equal((await h1("/", custom.port, custom.ca))["strict-transport-security"], "max-age=300; includeSubDomains");
});

test("a cipher list OpenSSL cannot use, or an HSTS value that is not max-age=…, is a config error", () => {
  const base = { listen: 8000, tls: { listen: 8443, certificates: [{ cert: "c.pem", key: "k.pem" }] } };
  const at = (tlsFields: Record<string, unknown>) => problemsOf({ ...base, tls: { ...base.tls, ...tlsFields } }).map((p) => `${p.path.join(".")}: ${p.message}`);
  assert.ok(at({ ciphers: "NOT-A-CIPHER" }).some((line) => line.startsWith("tls.ciphers: OpenSSL accepts none of")), describeProblems(problemsOf({ ...base, tls: { ...base.tls, ciphers: "NOT-A-CIPHER" } })));
  assert.ok(at({ ciphers: "ECDHE-RSA-AES128-GCM-SHA256", minVersion: "TLSv1.3" }).some((line) => line.startsWith("tls.ciphers: names no TLS 1.3 suite")));
  assert.ok(at({ hsts: "max-age=soon" }).some((line) => line.startsWith("tls.hsts:")));
  assert.ok(at({ minVersion: "TLSv1.1" }).some((line) => line.startsWith("tls.minVersion:")));
});
