// The per-route traffic behind the dashboard's charts, on a clock the test moves.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ExchangeRecord } from "../../src/proxy/record.ts";
import { HISTORY_SECONDS, Traffic } from "../../src/dashboard/traffic.ts";

const exchange = (durationMs: number, status = 200, route = "/", app: string | undefined = "node"): ExchangeRecord => ({
  method: "GET", path: "/", route, app, status, bytesIn: 0, bytesOut: 10, durationMs, requestId: "r", websocket: false,
});

test("each second becomes one point: requests, error ratio (5xx), p50 and p99 within a bucket's width", () => {
  let now = 1_000_000_000;
  const traffic = new Traffic(() => now);
  for (let i = 1; i <= 100; i++) traffic.record(exchange(i, i > 95 ? 502 : 200));
  now += 1000;
  traffic.record(exchange(3));
  now += 1000;
  const [series] = traffic.history(3);
  assert.equal(series.route, "/");
  assert.equal(series.app, "node");
  const [idle, busy, quiet] = series.points;
  assert.deepEqual(idle.slice(1), [0, 0, null, null], "no requests: no latency");
  assert.equal(busy[1], 100);
  assert.equal(busy[2], 0.05);
  assert.ok(Math.abs(busy[3]! - 50) / 50 < 0.2, `p50 ${busy[3]}`);
  assert.ok(Math.abs(busy[4]! - 99) / 99 < 0.2, `p99 ${busy[4]}`);
  assert.equal(quiet[1], 1);
});

test("history is bounded: older seconds are overwritten, idle series make way past the cap, WebSockets are not counted", () => {
  let now = 2_000_000_000;
  const traffic = new Traffic(() => now);
  for (let second = 0; second < HISTORY_SECONDS * 2; second++, now += 1000) traffic.record(exchange(1));
  const [series] = traffic.history();
  assert.equal(series.points.length, HISTORY_SECONDS - 1);
  assert.ok(series.points.every((point) => point[1] === 1));
  for (let i = 0; i < 100; i++) traffic.record(exchange(1, 200, `/r${i}`));
  assert.equal(traffic.history(1).length, 64);
  traffic.record({ ...exchange(1, 101, "/ws"), websocket: true });
  assert.ok(!traffic.history(1).some((s) => s.route === "/ws"));
});
