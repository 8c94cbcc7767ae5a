// An app for the scale-to-zero tests: answers HTTP on $PORT, streams slow downloads, echoes WebSockets.
//   GET /download?ms=N  sends a first chunk at once and the last one N ms later
//   any other path      answers "<path> pid <pid>"
// Knobs (env): LISTEN_DELAY_MS waits before listening; STOP_DELAY_MS takes that long to exit on SIGTERM.
import http from "node:http";
import { WebSocketServer } from "ws";

const { PORT, LISTEN_DELAY_MS = "0", STOP_DELAY_MS = "0" } = process.env;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://app");
  if (url.pathname.endsWith("/download")) {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("first\n");
    setTimeout(() => res.end("last\n"), Number(url.searchParams.get("ms") ?? 0));
    return;
  }
  res.end(`${req.url} pid ${process.pid}\n`);
});
new WebSocketServer({ server }).on("connection", (ws) => ws.on("message", (data) => ws.send(`echo ${data}`)));

process.on("SIGTERM", () => {
  console.log("stopping");
  setTimeout(() => process.exit(0), Number(STOP_DELAY_MS));
});
setTimeout(() => server.listen(Number(PORT), "127.0.0.1", () => console.log(`listening on ${PORT}`)), Number(LISTEN_DELAY_MS));
