import assert from "node:assert/strict";
import { test } from "node:test";
import { APP_STATES, canTransition, transition } from "../../src/supervisor/state.ts";

test("the documented life of an app is allowed", () => {
  const path = ["idle", "starting", "ready", "unhealthy", "ready", "stopping", "backoff", "starting", "ready", "stopped"] as const;
  for (let i = 1; i < path.length; i++) assert.equal(transition(path[i - 1], path[i]), path[i]);
  assert.ok(canTransition("starting", "failed"));
  assert.ok(canTransition("sleeping", "starting"));
  assert.ok(canTransition("stopping", "sleeping"));
});

test("impossible moves are refused", () => {
  assert.throws(() => transition("idle", "ready"), /illegal app state transition: idle → ready/);
  assert.equal(canTransition("backoff", "ready"), false);
  assert.equal(canTransition("stopped", "ready"), false);
  for (const state of APP_STATES) assert.equal(canTransition("failed", state), false, `failed → ${state}`);
});
