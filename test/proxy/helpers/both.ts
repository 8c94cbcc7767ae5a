// Route-feature tests run over the plain listener (HTTP/1.1) and over HTTPS with HTTP/2: one ZooProxy with both
// listeners, and a client that returns the raw body bytes (compressed bodies are decoded by the tests themselves).
import http from "node:http";
import type { TestContext } from "node:test";
import type { Route } from "../../../src/config/types.ts";
import type { ZooProxyOptions } from "../../../src/proxy/server.ts";
import { issue, makeCa } from "../../tls/certs.ts";
import { h2Request, startTlsProxy, type TlsProxy } from "../../tls/helpers.ts";
import type { TestGate } from "./gate.ts";

export type Wire = "http/1.1" | "h2";
export const WIRES: Wire[] = ["http/1.1", "h2"];

export const ca = makeCa();
export const HOST = "a.test";
const site = issue(ca, [HOST]);

export function startBoth(t: TestContext, routes: Route[], gate: TestGate, options: Partial<Omit<ZooProxyOptions, "routes" | "upstreams" | "tls">> = {}): Promise<TlsProxy> {
  return startTlsProxy(t, routes, gate, [site], options);
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** HTTP/1.1 to the plain port, or HTTP/2 over TLS to the TLS port; a fresh connection each time. */
export function fetchRaw(wire: Wire, proxy: TlsProxy, path: string, request: RawRequest = {}): Promise<RawReply> {
  return wire === "h2" ? fetchH2(proxy.tlsPort, path, request) : fetchH1(proxy.port, path, request);
}

function fetchH1(port: number, path: string, { method = "GET", headers = {}, body }: RawRequest): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers: { host: HOST, ...headers }, agent: false });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(body);
  });
}

async function fetchH2(port: number, path: string, request: RawRequest): Promise<RawReply> {
  const { status, headers, body } = await h2Request(port, HOST, ca.ca, { path, ...request });
  return { status, headers: headers as RawReply["headers"], body };
}
