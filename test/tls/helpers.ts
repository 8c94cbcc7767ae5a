// A ZooProxy with its HTTPS listener on loopback, and clients that speak HTTP/1.1 or HTTP/2 over TLS with a
// chosen SNI name, so that behaviour tests can run over both protocols.
import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import type { TestContext } from "node:test";
import type { Route } from "../../src/config/types.ts";
import { silentLogger, type AccessEntry, type Logger } from "../../src/log.ts";
import { ZooProxy, type ZooProxyOptions } from "../../src/proxy/server.ts";
import { loadAppClient } from "../../src/proxy/client.ts";
import { parseCertificate } from "../../src/tls/certificates.ts";
import { CertificateStore } from "../../src/tls/store.ts";
import type { TestGate } from "../proxy/helpers/gate.ts";
import type { Issued } from "./certs.ts";

export type Protocol = "http/1.1" | "h2";
export const PROTOCOLS: Protocol[] = ["http/1.1", "h2"];

export interface TlsProxy {
  proxy: ZooProxy;
  port: number;
  tlsPort: number;
  access: AccessEntry[];
  lines: string[];
  store: CertificateStore;
}

export function storeOf(pairs: Issued[]): CertificateStore {
  const store = new CertificateStore();
  store.setFiles(
    pairs.map((pair) => {
      const parsed = parseCertificate(readFileSync(pair.cert, "utf8"), readFileSync(pair.key, "utf8"));
      if (typeof parsed === "string") throw new Error(parsed);
      return { ...parsed, source: pair.cert };
    }),
  );
  return store;
}

export async function startTlsProxy(
  t: TestContext,
  routes: Route[],
  gate: TestGate,
  certificates: Issued[],
  options: Partial<Omit<ZooProxyOptions, "routes" | "upstreams" | "tls">> & { redirectHttp?: boolean; handshakeTimeout?: number } = {},
): Promise<TlsProxy> {
  const access: AccessEntry[] = [];
  const lines: string[] = [];
  const log: Logger = { ...silentLogger, access: (entry) => access.push(entry), zoo: (_level, message) => lines.push(message) };
  const store = storeOf(certificates);
  const { redirectHttp = false, handshakeTimeout = 10_000, ...rest } = options;
  await loadAppClient();
  const proxy = new ZooProxy({
    routes,
    upstreams: gate,
    log,
    upstreamTimeout: 5000,
    readyWait: 2000,
    trustProxy: false,
    accessLog: true,
    tls: { contextFor: store.contextFor, handshakeTimeout, redirectHttp },
    ...rest,
  });
  const port = await proxy.listen("127.0.0.1", 0);
  const tlsPort = await proxy.listenTls("127.0.0.1", 0);
  t.after(() => proxy.close(0));
  return { proxy, port, tlsPort, access, lines, store };
}

export interface TlsReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  alpn: string | false;
  /** The subjectAltName of the certificate the server sent. */
  certificate: string | undefined;
}

export interface TlsRequest {
  /** The SNI name and Host/:authority. */
  host: string;
  path: string;
  ca: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request on a fresh TLS connection to 127.0.0.1:port, speaking `protocol` (chosen by ALPN). */
export function fetchTls(protocol: Protocol, port: number, request: TlsRequest): Promise<TlsReply> {
  return protocol === "h2" ? fetchH2(port, request) : fetchH1(port, request);
}

function fetchH1(port: number, { host, path, ca, method = "GET", headers = {}, body }: TlsRequest): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: "127.0.0.1",
      port,
      servername: host,
      ca,
      path,
      method,
      headers: { host: `${host}:${port}`, ...headers },
      agent: false,
      ...({ ALPNProtocols: ["http/1.1"] } as object),
    });
    req.on("error", reject);
    req.on("response", (res) => {
      const socket = res.socket as tls.TLSSocket;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), alpn: socket.alpnProtocol ?? false, certificate: socket.getPeerCertificate().subjectaltname }),
      );
    });
    req.end(body);
  });
}

async function fetchH2(port: number, request: TlsRequest): Promise<TlsReply> {
  const { status, headers, body, socket } = await h2Request(port, request.host, request.ca, request);
  return { status, headers, body: body.toString(), alpn: socket.alpnProtocol ?? false, certificate: socket.getPeerCertificate().subjectaltname };
}

/** One request on its own HTTP/2 session: the status, headers and whole body, and the TLS socket it came over. */
export async function h2Request(
  port: number,
  host: string,
  ca: string,
  { path, method = "GET", headers = {}, body }: { path: string; method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; socket: tls.TLSSocket }> {
  const session = h2Session(port, host, ca);
  try {
    await once(session, "connect");
    const socket = session.socket as tls.TLSSocket;
    const stream = session.request({ ":method": method, ":path": path, ...headers });
    stream.on("error", () => {}); // a reset stream rejects the waits below
    stream.end(body);
    const [head] = (await once(stream, "response")) as [http2.IncomingHttpHeaders];
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    await once(stream, "end");
    const { ":status": status, ...rest } = head;
    return { status: Number(status), headers: rest as http.IncomingHttpHeaders, body: Buffer.concat(chunks), socket };
  } finally {
    session.close();
  }
}

/** An HTTP/2 session to 127.0.0.1:port that says `host` in SNI and :authority. */
export function h2Session(port: number, host: string, ca: string): http2.ClientHttp2Session {
  const session = http2.connect(`https://${host}:${port}`, {
    createConnection: () => tls.connect({ host: "127.0.0.1", port, servername: host, ca, ALPNProtocols: ["h2"] }),
  });
  session.on("error", () => {}); // surfaced through the stream or the awaited event
  return session;
}

/** A TLS handshake to 127.0.0.1:port; resolves to the certificate's names, or rejects when the server refuses. */
export function handshake(port: number, servername: string | undefined, ca: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, ...(servername ? { servername } : {}), rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      const names = socket.getPeerCertificate().subjectaltname;
      socket.end();
      resolve(names);
    });
    socket.once("error", (error) => reject(error));
    socket.once("close", () => reject(new Error("closed during the handshake")));
  });
}

export { http };
