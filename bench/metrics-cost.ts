// The cost of metrics (bench/feature-cost.ts): two zoos with metrics off against one with them on.
//   node bench/metrics-cost.ts [--rounds 5] [--seconds 3]
import { measureFeatureCost } from "./feature-cost.ts";
import { freePort } from "./proc.ts";

await measureFeatureCost({
  feature: "metrics",
  onLabel: "metrics on",
  async enable(config) {
    config.metrics = { listen: `127.0.0.1:${await freePort()}` };
    return undefined;
  },
});
