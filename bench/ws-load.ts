// WebSocket echo load: CONNECTIONS sockets, each sending a 64-byte message and waiting for its echo before
// sending the next, for SECONDS. Prints {"messages","seconds","errors"} as its last line.
//   node bench/ws-load.ts ws://127.0.0.1:PORT/node/ws CONNECTIONS SECONDS
import WebSocket from "ws";

const [url, connectionsArg = "10", secondsArg = "3"] = process.argv.slice(2);
if (!url) throw new Error("usage: ws-load.ts URL [connections] [seconds]");
const connections = Number(connectionsArg);
const durationMs = Number(secondsArg) * 1000;
const payload = Buffer.alloc(64, "w");

let messages = 0;
let errors = 0;
let stopAt = Infinity;

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

function pingPong(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    socket.on("message", () => {
      messages++;
      if (performance.now() < stopAt) socket.send(payload);
      else resolve();
    });
    socket.on("error", () => {
      errors++;
      resolve();
    });
    socket.on("close", () => resolve());
    socket.send(payload);
  });
}

const sockets = await Promise.all(Array.from({ length: connections }, openSocket));
const started = performance.now();
stopAt = started + durationMs;
await Promise.all(sockets.map(pingPong));
const seconds = (performance.now() - started) / 1000;
for (const socket of sockets) socket.terminate();
console.log(JSON.stringify({ messages, seconds, errors }));
