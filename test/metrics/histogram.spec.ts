// zoo's SeriesHistogram (plain numbers per series, read at scrape time) must expose exactly what a prom-client
// Histogram with the same observations exposes: same buckets, sum, count, label layout and escaping.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Histogram, Registry } from "prom-client";
import { SeriesHistogram } from "../../src/metrics/histogram.ts";

test("SeriesHistogram's exposition is prom-client's, byte for byte, before and after resetMetrics()", async () => {
  const [theirs, ours] = [new Registry(), new Registry()];
  const buckets = [0.001, 0.01, 0.1, 1];
  const options = { name: "zoo_test_seconds", help: 'help with \\ and "quotes"', labelNames: ["route", "app"] };
  const reference = new Histogram({ ...options, buckets, registers: [theirs] });
  const candidate = new SeriesHistogram({ ...options, buckets, registry: ours });
  const series: [string, string][] = [["/node", "node"], ["/", 'we"ird\\app']];
  for (const [route, app] of series) {
    const [a, b] = [reference.labels(route, app), candidate.labels(route, app)];
    // On a bound, between bounds, below the first, above the last.
    for (const value of [0.0005, 0.001, 0.002, 0.1, 0.5, 3]) {
      a.observe(value);
      b.observe(value);
    }
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  theirs.resetMetrics();
  ours.resetMetrics();
  for (const [route, app] of series) {
    reference.labels(route, app).observe(0.05);
    candidate.labels(route, app).observe(0.05);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});
