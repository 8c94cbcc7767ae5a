// An app for the operate tests: answers "<MODE> pid <pid>" on $PORT, echoes WebSockets, prints a line on demand.
//   GET /say?text=…  prints the text on stdout, then answers
//   GET /replica     answers "replica <ZOO_REPLICA> pid <pid>"
// Knobs (env): MODE names the config generation; LISTEN_DELAY_MS waits before listening; NEVER_LISTEN never does.
import http from "node:http";
import { WebSocketServer } from "ws";

const { PORT, MODE = "a", LISTEN_DELAY_MS = "0", NEVER_LISTEN } = process.env;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://app");
  if (url.pathname.endsWith("/say")) console.log(url.searchParams.get("text"));
  if (url.pathname.endsWith("/replica")) return res.end(`replica ${process.env.ZOO_REPLICA} pid ${process.pid}\n`);
  res.end(`${MODE} pid ${process.pid}\n`);
});
new WebSocketServer({ server }).on("connection", (ws) => ws.on("message", (data) => ws.send(`${MODE} echo ${data}`)));
process.on("SIGTERM", () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 2000).unref());
// An app that never listens still runs (a timer keeps it alive), so its probe, not its exit, decides.
if (NEVER_LISTEN) setInterval(() => {}, 60_000);
else setTimeout(() => server.listen(Number(PORT), "127.0.0.1", () => console.log(`listening on ${PORT}`)), Number(LISTEN_DELAY_MS));
