// zoo's pooled connections to an app close after zoo's own idle timeout (POOL_IDLE_MS), also when the app's
// `Keep-Alive: timeout=N` hint says much longer: after a burst of traffic zoo's open fds go back to the boot count.
import { test } from "node:test";
import assert from "node:assert/strict";
import { POOL_IDLE_MS } from "../../src/proxy/client.ts";
import { listeningPort, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";

/** An app that keeps idle connections for 2 minutes (and says so in Keep-Alive), and prints how many it has open. */
const APP = `const http = require("node:http");
let served = 0;
const server = http.createServer((req, res) => { served++; res.end("ok"); });
server.keepAliveTimeout = 120000;
let open = 0;
server.on("connection", (socket) => { open++; socket.on("close", () => console.log("open connections: " + --open + " after " + served + " requests")); });
server.listen(Number(process.env.PORT), "127.0.0.1");
`;

test("pooled app connections close after zoo's idle timeout even when the app's Keep-Alive hint is 120 s", async (t) => {
  const { dir, file } = tempConfig({ apps: { web: { command: [process.execPath, "app.cjs"] } }, routes: { "/": "web" } }, { "app.cjs": APP });
  const zoo = startZoo(["start", "--config", file, "--listen", "127.0.0.1:0"], { cwd: dir });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/web: ready/);
  // Several at once, so the pool holds several connections; more than one round, so undici (loaded on the first) carries them.
  for (let round = 0; round < 3; round++) {
    const replies = await Promise.all(Array.from({ length: 6 }, () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())));
    assert.deepEqual(new Set(replies), new Set(["ok"]));
  }
  const idleSince = Date.now();
  await zoo.waitFor(/open connections: 0 after 18 requests/, POOL_IDLE_MS + 10_000);
  assert.ok(Date.now() - idleSince < POOL_IDLE_MS + 5_000, "closed after zoo's idle timeout, not the app's");
});
