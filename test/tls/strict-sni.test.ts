// Strict SNI on the wire: a ClientHello for a name no certificate covers is answered with one fatal unrecognized_name
// alert (and nothing else) before the close, for TLS 1.2 and TLS 1.3 clients; Node's and OpenSSL's clients report
// it as such. A ClientHello without SNI gets OpenSSL's handshake_failure alert (see src/tls/listener.ts for why).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { test } from "node:test";
import { promisify } from "node:util";
import { alertRecord, UNRECOGNIZED_NAME } from "../../src/tls/alert.ts";
import { TestGate } from "../proxy/helpers/gate.ts";
import { app, echo } from "../proxy/helpers/net.ts";
import { issue, makeCa } from "./certs.ts";
import { fetchTls, startTlsProxy } from "./helpers.ts";

const ca = makeCa();
const site = issue(ca, ["a.test"]);
const VERSIONS = ["TLSv1.2", "TLSv1.3"] as const;
type Version = (typeof VERSIONS)[number];

/** A TLS handshake by Node's client; resolves to the negotiated version, rejects with the client's error. */
function connect(port: number, servername: string | undefined, maxVersion: Version): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca: ca.ca, maxVersion, ...(servername ? { servername } : {}) });
    socket.once("secureConnect", () => {
      resolve(socket.getProtocol());
      socket.end();
    });
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("closed during the handshake")));
  });
}

/** The first flight of Node's TLS client for `servername`, as sent on the wire (caught by a plain TCP server). */
async function clientHello(servername: string, maxVersion: Version): Promise<Buffer> {
  const catcher = net.createServer();
  catcher.listen(0, "127.0.0.1");
  await once(catcher, "listening");
  const client = tls.connect({ host: "127.0.0.1", port: (catcher.address() as net.AddressInfo).port, servername, maxVersion });
  client.on("error", () => {});
  const [socket] = (await once(catcher, "connection")) as [net.Socket];
  const chunks: Buffer[] = [];
  // A ClientHello is one handshake record: read until its header's length is there.
  while (chunks.length === 0 || Buffer.concat(chunks).length < 5 + Buffer.concat(chunks).readUInt16BE(3)) {
    const [chunk] = (await once(socket, "data")) as [Buffer];
    chunks.push(chunk);
  }
  socket.destroy();
  client.destroy();
  catcher.close();
  return Buffer.concat(chunks);
}

/** Sends raw bytes to the port; resolves to everything the server sent and how the connection ended. */
async function rawExchange(port: number, data: Buffer, firstChunkOnly = false): Promise<{ reply: Buffer; ended: "fin" | string }> {
  const socket = net.connect(port, "127.0.0.1");
  if (firstChunkOnly) socket.once("data", () => socket.destroy());
  const chunks: Buffer[] = [];
  let ended = "";
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("end", () => (ended ||= "fin"));
  socket.on("error", (error: Error & { code?: string }) => (ended ||= error.code ?? error.message));
  await once(socket, "connect");
  socket.write(data);
  await once(socket, "close");
  return { reply: Buffer.concat(chunks), ended };
}

test("a name no certificate covers: the unrecognized_name alert, for TLS 1.2 and TLS 1.3 clients; a known name is served", async (t) => {
  const up = await echo(t);
  const { tlsPort, lines } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [site]);
  for (const version of VERSIONS) {
    await assert.rejects(connect(tlsPort, "unknown.test", version), (error: Error & { code?: string }) => {
      assert.equal(error.code, "ERR_SSL_TLSV1_UNRECOGNIZED_NAME", `${version}: ${error.message}`);
      assert.match(error.message, /tlsv1 unrecognized name.*SSL alert number 112/);
      return true;
    });
    assert.equal(await connect(tlsPort, "a.test", version), version);
    // Without SNI: no certificate, and OpenSSL's handshake_failure alert (40).
    await assert.rejects(connect(tlsPort, undefined, version), (error: Error & { code?: string }) => {
      assert.match(error.message, /alert handshake failure.*SSL alert number 40/, `${version}: ${error.message}`);
      return true;
    });
  }
  assert.match(lines.join("\n"), /TLS handshake refused for unknown\.test: no certificate covers "unknown\.test"/);
  assert.equal((await fetchTls("h2", tlsPort, { host: "a.test", path: "/", ca: ca.ca })).status, 200, "the listener goes on");
});

test("on the wire: the alert record is the only thing sent before the FIN, after a real ClientHello", async (t) => {
  const up = await echo(t);
  const { tlsPort } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [site]);
  const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70]);
  assert.deepEqual(alertRecord(UNRECOGNIZED_NAME), alert);
  for (const version of VERSIONS) {
    const refused = await rawExchange(tlsPort, await clientHello("unknown.test", version));
    assert.equal(refused.reply.toString("hex"), alert.toString("hex"), version);
    assert.equal(refused.ended, "fin", `${version}: a clean close after the alert`);
    // The same ClientHello for a covered name gets a ServerHello (a handshake record) instead.
    const served = await rawExchange(tlsPort, await clientHello("a.test", version), true);
    assert.equal(served.reply[0], 0x16, version);
  }
});

test("openssl s_client and curl report the unrecognized_name alert", async (t) => {
  const up = await echo(t);
  const { tlsPort } = await startTlsProxy(t, [app("/", "web")], new TestGate({ web: { port: up.port } }), [site]);
  /** stdout and stderr of a command that may fail; undefined when it is not installed. */
  const run = async (file: string, args: string[]): Promise<string | undefined> => {
    const child = promisify(execFile)(file, args, { timeout: 10_000 });
    child.child.stdin?.end();
    const { stdout, stderr, code }: { stdout: string; stderr: string; code?: unknown } = await child.catch((error) => error);
    return code === "ENOENT" ? undefined : `${stdout}${stderr}`;
  };
  const sClient = async (servername: string, options: string[]) =>
    (await run("openssl", ["s_client", "-connect", `127.0.0.1:${tlsPort}`, "-servername", servername, ...options, "-msg"]))!;
  // The last: a key share for a group zoo does not take, which a known name answers with a HelloRetryRequest first.
  const retry = ["-tls1_3", "-groups", "ffdhe2048:X25519"];
  const serverHellos = (await sClient("a.test", retry)).match(/<<< TLS 1\.3, Handshake \[length \w+\], ServerHello/g);
  assert.equal(serverHellos?.length, 2, "a HelloRetryRequest, then the ServerHello");
  for (const options of [["-tls1_2"], ["-tls1_3"], retry]) {
    const output = await sClient("unknown.test", options);
    assert.match(output, /tlsv1 unrecognized name/, output);
    assert.match(output, /SSL alert number 112/);
    // -msg: the server's only message is the alert (no ServerHello, no certificate).
    const received = output.split("\n").filter((line) => line.startsWith("<<<") && !line.includes("RecordHeader"));
    assert.deepEqual(received.map((line) => line.replace(/^<<< TLS 1\.\d, /, "")), ["Alert [length 0002], fatal unrecognized_name"], output);
  }
  const curl = await run("curl", ["-sS", "--cacert", ca.caFile, "--resolve", `unknown.test:${tlsPort}:127.0.0.1`, `https://unknown.test:${tlsPort}/`]);
  if (curl === undefined) return t.diagnostic("no curl on this machine");
  assert.match(curl, /unrecognized name/, curl);
});
