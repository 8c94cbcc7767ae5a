// The fast upstream every contender fronts: one small node:http server (plus a WebSocket echo).
// It ignores a leading /node (and /enc, zoo's compressing route), so `/node/1m` and `/1m` are the same resource:
//   /            13-byte text          (small GET)
//   /1m          1 MiB body
//   /json100k    100 KB of JSON (the compressed workload)
//   /stream?bytes=N   N bytes, written with backpressure (the 1 GiB download)
//   PUT /upload  counts the request body and answers {"bytes": N}
//   /info        {"pid", "port", "listeningAt"}: listeningAt is the wall-clock ms at which the port opened
//   /ws          WebSocket echo
// PORT comes from the environment (zoo passes it), or argv[2].
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { WebSocketServer } from "ws";

const port = Number(process.env.PORT ?? process.argv[2] ?? 0);
const HELLO = Buffer.from("Hello, world\n");
const ONE_MIB = Buffer.alloc(1024 * 1024, "z");
const CHUNK = Buffer.alloc(64 * 1024, "s");
/** About 100 KB of API-like JSON: repetitive keys, varied values, as a list endpoint returns. */
const JSON_100K = Buffer.from(
  JSON.stringify(Array.from({ length: 800 }, (_, i) => ({ id: i, name: `user ${i}`, email: `user${i}@example.com`, active: i % 3 !== 0, score: (i * 7919) % 1000, tags: ["a", "b", `t${i % 17}`] }))),
);
let listeningAt = 0;

function stream(res: ServerResponse, total: number): void {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      const ok = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      if (left === 0) break;
      if (!ok) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

function upload(req: IncomingMessage, res: ServerResponse): void {
  let bytes = 0;
  req.on("data", (chunk: Buffer) => (bytes += chunk.length));
  req.on("end", () => {
    const body = JSON.stringify({ bytes });
    res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    res.end(body);
  });
}

function json(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  let path = query === -1 ? url : url.slice(0, query);
  if (path === "/node" || path.startsWith("/node/")) path = path.slice(5) || "/";
  else if (path === "/enc" || path.startsWith("/enc/")) path = path.slice(4) || "/";

  if (path === "/" || path === "/small") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": String(HELLO.length) });
    res.end(HELLO);
  } else if (path === "/1m") {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(ONE_MIB.length) });
    res.end(ONE_MIB);
  } else if (path === "/json100k") {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(JSON_100K.length) });
    res.end(JSON_100K);
  } else if (path === "/stream") {
    const bytes = Number(new URLSearchParams(url.slice(query + 1)).get("bytes") ?? 0);
    stream(res, Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : 0);
  } else if (path === "/upload") {
    upload(req, res);
  } else if (path === "/info") {
    json(res, { pid: process.pid, port: (server.address() as { port: number }).port, listeningAt });
  } else {
    res.writeHead(404, { "content-length": "0" });
    res.end();
  }
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;

const wss = new WebSocketServer({ server, path: undefined, perMessageDeflate: false });
wss.on("connection", (socket) => {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
});

server.listen(port, "127.0.0.1", () => {
  listeningAt = performance.timeOrigin + performance.now();
  console.log(`upstream ${process.pid} listening on 127.0.0.1:${(server.address() as { port: number }).port}`);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    wss.close();
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
