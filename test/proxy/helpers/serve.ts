// Runs a ZooProxy in its own process, so tests can read its memory and give it its own environment
// (NODE_EXTRA_CA_CERTS). Usage: node serve.ts '{"routes":[…],"apps":{"name":{"port":N}}}'
// Prints {"port":N} once listening; SIGTERM closes it (drain 1 s) and exits.
import { silentLogger } from "../../../src/log.ts";
import { ZooProxy } from "../../../src/proxy/server.ts";
import { loadAppClient } from "../../../src/proxy/client.ts";
import type { Route } from "../../../src/config/types.ts";
import { TestGate } from "./gate.ts";

const { routes, apps = {} } = JSON.parse(process.argv[2]) as { routes: Route[]; apps?: Record<string, { port: number }> };
await loadAppClient();
const proxy = new ZooProxy({
  routes,
  upstreams: new TestGate(apps),
  log: silentLogger,
  upstreamTimeout: 10_000,
  readyWait: 1000,
  trustProxy: false,
  accessLog: false,
});
const port = await proxy.listen("127.0.0.1", 0);
process.stdout.write(JSON.stringify({ port }) + "\n");
process.once("SIGTERM", () => void proxy.close(1000).then(() => process.exit(0)));
