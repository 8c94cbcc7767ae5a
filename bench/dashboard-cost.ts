// The cost of the dashboard with one page open (bench/feature-cost.ts): two zoos with it off against one with it on
// and a page's event stream open (the status, traffic and the followed app's logs every second, as a browser gets
// them).
//   node bench/dashboard-cost.ts [--rounds 5] [--seconds 3]
import http from "node:http";
import { measureFeatureCost } from "./feature-cost.ts";
import { freePort } from "./proc.ts";

/** A page's event stream, read and thrown away. */
function openEvents(port: number, app: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: `/api/events?logs=${app}`, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`events: ${res.statusCode}`));
      res.resume();
      resolve(res);
    }).on("error", reject);
  });
}

await measureFeatureCost({
  feature: "dashboard",
  onLabel: "dashboard on, one page open",
  async enable(config) {
    const port = await freePort();
    config.dashboard = { listen: `127.0.0.1:${port}` };
    const app = Object.keys(config.apps)[0];
    return async () => {
      const events = await openEvents(port, app);
      return () => events.destroy();
    };
  },
});
