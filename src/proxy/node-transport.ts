// http-proxy-3 on Node's client with keep-alive agents: WebSocket upgrades, requests to outside origins, and app
// requests undici cannot carry (an unasked 100 Continue; ZOO_APP_CLIENT=http-proxy-3). Its events are adapted to the
// one relay (relay.ts); a request that gets no answer goes to `failed`. Imported by client.ts on first use only.
import https from "node:https";
import { http } from "../builtins.ts";
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { ProxyServer as HttpProxy, type ServerOptions } from "http-proxy-3";
import { countRequestBytes, exchangeOf, type Exchange, type HttpExchange } from "./exchange.ts";
import { cutResponse, refuseUpstreamAnswer, relayHead, relayUpgradeHead } from "./relay.ts";
import type { Destination, Transport, UpstreamError, UpstreamFailed } from "./transport.ts";

const kExchange = Symbol("zoo.exchange");
/** The app's response to a plain request, once its head has arrived. */
const kResponse = Symbol("zoo.upstreamResponse");
type Tagged<T> = T & { [kExchange]?: HttpExchange };
type WithResponse = IncomingMessage & { [kResponse]?: IncomingMessage };

function noop() {}

export class NodeTransport implements Transport {
  readonly #proxy: HttpProxy;
  readonly #failed: UpstreamFailed;
  readonly #agent: Agent;
  readonly #tlsAgent: https.Agent;

  constructor(options: { failed: UpstreamFailed; poolIdleMs: number }) {
    this.#failed = options.failed;
    this.#agent = new http.Agent({ keepAlive: true, timeout: options.poolIdleMs, maxFreeSockets: 256 });
    this.#tlsAgent = new https.Agent({ keepAlive: true, timeout: options.poolIdleMs, maxFreeSockets: 256 });
    this.#proxy = new HttpProxy({ toProxy: true, selfHandleResponse: true, xfwd: false });
    withoutDeleteLength(this.#proxy);
    // http-proxy-3 throws when an error has no listener; every call also passes onError.
    this.#proxy.on("error", this.#onError);
    this.#proxy.on("proxyReq", onProxyReq);
    this.#proxy.on("proxyRes", onProxyRes);
    this.#proxy.on("proxyReqWs", onProxyReqWs);
  }

  send(exchange: Exchange, destination: Destination): void {
    const options = this.#options(destination);
    if (exchange.websocket) return this.#proxy.ws(exchange.req, exchange.socket, exchange.takeHead(), options, this.#onError);
    this.#proxy.web(exchange.req, exchange.res, options, this.#onError);
  }

  /**
   * An outside origin sees its own host name (changeOrigin), and https.Agent derives SNI from it; an app's instance
   * sees the client's Host.
   */
  #options(destination: Destination): ServerOptions {
    if (destination.kind === "app") return { target: { protocol: "http:", host: destination.host, port: destination.port }, agent: this.#agent, changeOrigin: false };
    const url = destination.url;
    return { target: url, agent: url.protocol === "https:" ? this.#tlsAgent : this.#agent, changeOrigin: true, secure: true };
  }

  close(): void {
    this.#agent.destroy();
    this.#tlsAgent.destroy();
  }

  readonly #onError = (error: UpstreamError, req: IncomingMessage): void => {
    const exchange = exchangeOf(req);
    if (exchange === undefined) return;
    // The app sent a whole response, then bytes that are no response (a 204 with a body, say): Node has dropped
    // that connection to the app, and the client's complete response goes on (as nginx and Go do).
    if ((req as WithResponse)[kResponse]?.complete) return exchange.disarmTimeout();
    this.#failed(exchange, error);
  };
}

function onProxyReq(proxyReq: Tagged<ClientRequest>, req: IncomingMessage): void {
  const exchange = exchangeOf(req);
  if (exchange?.websocket !== false) return;
  exchange.attachUpstreamRequest(proxyReq);
  proxyReq[kExchange] = exchange;
  proxyReq.once("upgrade", onUnaskedUpgrade);
  countRequestBytes(exchange);
}

/**
 * A 101 to a plain request: the app switched protocols nobody asked for (RFC 9110 §15.2.2). Without this listener
 * Node drops the connection and reports nothing, and the client would wait forever.
 */
function onUnaskedUpgrade(this: Tagged<ClientRequest>, _res: IncomingMessage, socket: Socket): void {
  socket.destroy();
  const exchange = this[kExchange];
  if (exchange !== undefined) refuseUpstreamAnswer(exchange, "the app switched protocols on a plain request");
}

function onProxyRes(proxyRes: Tagged<IncomingMessage>, req: IncomingMessage, _res: ServerResponse): void {
  const exchange = exchangeOf(req);
  if (exchange?.websocket !== false) return void proxyRes.destroy();
  (req as WithResponse)[kResponse] = proxyRes;
  if (!relayHead(exchange, proxyRes.statusCode ?? 502, proxyRes.statusMessage, proxyRes.rawHeaders, proxyRes.headers.connection)) {
    return void proxyRes.destroy();
  }
  proxyRes[kExchange] = exchange;
  proxyRes.on("error", noop); // a reset mid-body: 'close' below cuts the client
  proxyRes.on("close", onUpstreamResponseClose);
  proxyRes.pipe(exchange.res);
}

function onUpstreamResponseClose(this: Tagged<IncomingMessage>): void {
  const exchange = this[kExchange];
  if (!this.complete && exchange !== undefined) cutResponse(exchange, "reset");
}

function onProxyReqWs(proxyReq: ClientRequest, req: IncomingMessage, socket: Duplex): void {
  const exchange = exchangeOf(req);
  if (exchange?.websocket !== true) return;
  exchange.attachUpstreamRequest(proxyReq);
  proxyReq.once("response", (res: IncomingMessage) => {
    relayUpgradeHead(exchange, res, res.statusCode ?? 502);
    // http-proxy-3 relays a plain answer to an upgrade and closes the client on its 'end' only: an app that dies
    // mid-body would leave the client waiting forever.
    res.once("close", () => {
      if (!res.complete) socket.destroy();
    });
  });
  proxyReq.once("upgrade", (res: IncomingMessage, upstream: Socket) => {
    relayUpgradeHead(exchange, res, 101);
    // Either side going away takes the other with it (http-proxy-3 only half-closes).
    upstream.once("close", () => (socket as Socket).destroySoon());
    socket.once("close", () => upstream.destroy());
  });
}

/**
 * http-proxy-3's deleteLength pass gives a DELETE or OPTIONS without Content-Length a "Content-Length: 0" and drops
 * its Transfer-Encoding, yet still pipes the body: a chunked body then reaches the app as a second request on the
 * pooled connection (CL.TE request smuggling, as in CVE-2026-29057). Node frames these requests right by itself.
 */
function withoutDeleteLength(proxy: HttpProxy): void {
  const passes = (proxy as unknown as { webPasses: { name: string }[] }).webPasses;
  const index = passes.findIndex((pass) => pass.name === "deleteLength");
  if (index === -1) throw new Error("http-proxy-3: no deleteLength pass to remove; check the request smuggling test");
  passes.splice(index, 1);
}
