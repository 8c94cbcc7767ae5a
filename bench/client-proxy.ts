// Minimal reverse proxies, one per upstream client, all fronting one upstream on 127.0.0.1:
//   node bench/client-proxy.ts CLIENT LISTEN_PORT UPSTREAM_PORT
// Two bare floors (the 15-line kind: no header rules, no timeout, no error page), used by `npm run bench`:
//   bare-http     node:http server + http.request on a keep-alive Agent
//   bare-undici   node:http server + undici Pool.stream
// Four of zoo's shape (its hop-by-hop, X-Forwarded-* and X-Request-Id rules from src/proxy/, an upstream timeout
// answered 504, 502 on errors, a response that ends early cut), used by bench/clients.ts:
//   hp3-agent        http-proxy-3 on http.Agent with selfHandleResponse (zoo today)
//   hp3-fetch        http-proxy-3 with its fetch option: undici's fetch on an undici Pool
//   undici-stream    undici Pool.stream
//   undici-dispatch  undici Pool.dispatch with a handler (raw headers, backpressure through pause/resume)
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { ProxyServer } from "http-proxy-3";
import { Pool, fetch as undiciFetch, type Dispatcher } from "undici";
import { removeRequestHopByHop, responseHeaders, setForwardedHeaders } from "../src/proxy/headers.ts";
import { requestIdFor } from "../src/proxy/request-id.ts";

const [client, listenPort, upstreamPort] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const origin = `http://127.0.0.1:${upstreamPort}`;
const UPSTREAM_TIMEOUT_MS = 60_000;
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What zoo does to every request before it goes upstream; returns the request's X-Request-Id. */
function prepare(req: IncomingMessage): string {
  const id = requestIdFor(req.headers, false);
  removeRequestHopByHop(req.headers, false);
  setForwardedHeaders(req, false, undefined);
  req.headers["x-request-id"] = id;
  return id;
}

function fail(res: ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(status, { "content-type": "text/plain", "content-length": 4 });
  res.end(`${status}\n`);
}

const hasBody = (req: IncomingMessage) => req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";

/** undici frames the body itself and refuses Transfer-Encoding (and Keep-Alive, Upgrade, Expect) in the headers. */
function undiciHeaders(req: IncomingMessage): IncomingMessage["headers"] {
  const headers = req.headers;
  delete headers["transfer-encoding"];
  return headers;
}

const pool = () => new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });

const clients: Record<string, () => Handler> = {
  "bare-http": () => {
    const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
    return (req, res) => {
      const options = { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent };
      const up = http.request(options, (upRes) => {
        res.writeHead(upRes.statusCode!, upRes.headers);
        upRes.pipe(res);
      });
      up.on("error", () => res.destroy());
      req.pipe(up);
    };
  },

  "bare-undici": () => {
    const upstream = pool();
    return (req, res) => {
      const body = req.method === "GET" || req.method === "HEAD" ? null : req;
      const options = { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: undiciHeaders(req), body };
      upstream.stream(options, ({ statusCode, headers }) => (res.writeHead(statusCode, headers as http.OutgoingHttpHeaders), res), (error) => {
        if (error) res.destroy();
      });
    };
  },

  "hp3-agent": () => {
    const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
    const proxy = new ProxyServer({ selfHandleResponse: true, xfwd: false });
    type Timer = { id: string; timer?: NodeJS.Timeout; timedOut: boolean; proxyReq?: http.ClientRequest };
    const timers = new WeakMap<IncomingMessage, Timer>();
    proxy.on("error", (_error, req, res) => {
      const t = timers.get(req);
      if (t) clearTimeout(t.timer);
      if (res instanceof http.ServerResponse) fail(res, t?.timedOut ? 504 : 502);
    });
    proxy.on("proxyReq", (proxyReq, req) => {
      const t = timers.get(req);
      if (t) t.proxyReq = proxyReq;
    });
    proxy.on("proxyRes", (proxyRes, req, res) => {
      const t = timers.get(req)!;
      clearTimeout(t.timer);
      res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, responseHeaders(proxyRes.rawHeaders, proxyRes.headers.connection, t.id));
      proxyRes.on("error", () => {});
      proxyRes.on("close", () => proxyRes.complete || res.destroy());
      proxyRes.pipe(res);
    });
    const options = { target: { protocol: "http:", host: "127.0.0.1", port: upstreamPort }, agent, changeOrigin: false };
    return (req, res) => {
      const t: Timer = { id: prepare(req), timedOut: false };
      t.timer = setTimeout(() => ((t.timedOut = true), t.proxyReq?.destroy()), UPSTREAM_TIMEOUT_MS);
      timers.set(req, t);
      proxy.web(req, res, options);
    };
  },

  "hp3-fetch": () => {
    // With fetch, selfHandleResponse gets no body (http-proxy-3 resumes it into nothing) and an empty rawHeaders:
    // the response has to go through http-proxy-3's own outgoing passes.
    const proxy = new ProxyServer({
      xfwd: false,
      proxyTimeout: UPSTREAM_TIMEOUT_MS,
      fetch: undiciFetch as unknown as typeof fetch,
      fetchOptions: {
        requestOptions: { dispatcher: pool() } as RequestInit,
        // Without an agent, http-proxy-3 sends "Connection: close": undici would then drop each upstream connection.
        onBeforeRequest: (init) => void (init.headers as Headers).delete("connection"),
      },
    });
    proxy.on("error", (error: Error & { name?: string }, _req, res) => {
      if (res instanceof http.ServerResponse) fail(res, error.name === "TimeoutError" ? 504 : 502);
    });
    const options = { target: `${origin}`, changeOrigin: false };
    return (req, res) => {
      prepare(req);
      undiciHeaders(req);
      proxy.web(req, res, options);
    };
  },

  "undici-stream": () => {
    const upstream = pool();
    return (req, res) => {
      const id = prepare(req);
      // zoo's own timer, as for every candidate (undici's timeouts tick every ~500 ms), and the client leaving.
      const abort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => ((timedOut = true), abort.abort()), UPSTREAM_TIMEOUT_MS);
      res.once("close", () => res.writableFinished || abort.abort());
      const body = hasBody(req) ? req : null;
      const options = { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: undiciHeaders(req), body, signal: abort.signal };
      upstream.stream(
        options,
        ({ statusCode, headers }) => {
          clearTimeout(timer);
          // Parsed headers (names lower-cased, repeated ones as arrays), back to a flat list for zoo's filter.
          const flat: string[] = [];
          for (const [name, value] of Object.entries(headers)) {
            for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) flat.push(name, String(v));
          }
          res.writeHead(statusCode, responseHeaders(flat, headers.connection as string | undefined, id));
          return res;
        },
        (error) => {
          clearTimeout(timer);
          if (error) fail(res, timedOut ? 504 : 502);
        },
      );
    };
  },

  "undici-dispatch": () => {
    const upstream = pool();
    return (req, res) => {
      const id = prepare(req);
      const body = hasBody(req) ? req : null;
      upstream.dispatch({ origin, path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: undiciHeaders(req), body }, new DispatchHandler(res, id));
    };
  },
};

/** undici's handler interface (the raw one: header names as the upstream spelled them, as Buffers). */
class DispatchHandler implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #id: string;
  #abort?: (error?: Error) => void;
  #timedOut = false;
  readonly #timer: NodeJS.Timeout;
  constructor(res: ServerResponse, id: string) {
    this.#res = res;
    this.#id = id;
    // zoo's own timer (undici's headersTimeout ticks every ~500 ms); the client leaving aborts the upstream request.
    this.#timer = setTimeout(() => ((this.#timedOut = true), this.#abort?.(new Error("upstream timeout"))), UPSTREAM_TIMEOUT_MS);
    res.once("close", () => res.writableFinished || this.#abort?.(new Error("client gone")));
  }
  onConnect(abort: (error?: Error) => void): void {
    this.#abort = abort;
  }
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    clearTimeout(this.#timer);
    const flat = rawHeaders.map((b) => b.toString("latin1"));
    let connection: string | undefined;
    for (let i = 0; i < flat.length; i += 2) if (flat[i].length === 10 && flat[i].toLowerCase() === "connection") connection = flat[i + 1];
    this.#res.writeHead(statusCode, statusText, responseHeaders(flat, connection, this.#id));
    this.#res.on("drain", resume);
    return true;
  }
  onData(chunk: Buffer): boolean {
    return this.#res.write(chunk);
  }
  onComplete(): void {
    this.#res.end();
  }
  onError(): void {
    clearTimeout(this.#timer);
    fail(this.#res, this.#timedOut ? 504 : 502);
  }
}

const make = clients[client];
if (!make) {
  console.error(`usage: node bench/client-proxy.ts (${Object.keys(clients).join("|")}) LISTEN_PORT UPSTREAM_PORT`);
  process.exit(2);
}
const server = http.createServer({ keepAliveTimeout: 120_000 }, make());
server.listen(listenPort, "127.0.0.1", () => console.log(`${client} proxy on 127.0.0.1:${listenPort} -> ${origin}`));
process.on("SIGTERM", () => process.exit(0));

// The soak workload (bench/soak.ts) reads the floor's V8 heap and external memory from this file, written each second.
const memoryFile = process.env.BENCH_MEMORY_FILE;
if (memoryFile) {
  const { writeFileSync } = await import("node:fs");
  setInterval(() => {
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    writeFileSync(memoryFile, JSON.stringify({ heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, externalBytes: external }));
  }, 1000).unref();
}
