// The restart decision in virtual time: `now` and `random` are arguments, nothing sleeps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, decideRestart, emptyHistory, type Ending, type RestartHistory, type RestartPolicy } from "../../src/supervisor/restart.ts";

const policy = (over: Partial<RestartPolicy> = {}): RestartPolicy => ({
  restart: "always",
  backoff: { initial: 100, max: 10_000, resetAfter: 30_000 },
  crashLoop: { restarts: 10, window: 60_000 },
  essential: false,
  ...over,
});
const crash: Ending = { cause: "exited", code: 1, signal: null, description: "exited with code 1" };
const clean: Ending = { cause: "exited", code: 0, signal: null, description: "exited with code 0" };
const noJitter = () => 0.5;

test("backoff starts near the initial delay, doubles, and is capped", () => {
  const delays = Array.from({ length: 10 }, (_, attempt) => backoffDelay(policy().backoff, attempt, noJitter));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  assert.equal(backoffDelay(policy().backoff, 1000, noJitter), 10_000, "a huge attempt count does not overflow");
});

test("jitter stays within ±20% and never exceeds the cap", () => {
  const { backoff } = policy();
  assert.equal(backoffDelay(backoff, 0, () => 0), 80);
  assert.equal(backoffDelay(backoff, 0, () => 1), 120);
  assert.equal(backoffDelay(backoff, 20, () => 1), 10_000);
  assert.equal(backoffDelay(backoff, 20, () => 0), 8000);
});

test("successive crashes restart with growing delays until the cap", () => {
  let history: RestartHistory = emptyHistory();
  let now = 0;
  const delays: number[] = [];
  const p = policy({ crashLoop: { restarts: 100, window: 1000 } });
  for (let i = 0; i < 9; i++) {
    const decision = decideRestart(p, crash, history, now, noJitter);
    assert.equal(decision.action, "restart");
    if (decision.action !== "restart") return;
    delays.push(decision.delayMs);
    assert.match(decision.reason, /^exited with code 1; restarting in /);
    history = decision.history;
    now += decision.delayMs + 50;
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
});

test("N restarts within the window is a crash loop: failed", () => {
  const p = policy({ crashLoop: { restarts: 3, window: 10_000 } });
  let history = emptyHistory();
  let now = 1000;
  for (let i = 0; i < 3; i++) {
    const decision = decideRestart(p, crash, history, now, noJitter);
    assert.equal(decision.action, "restart");
    history = decision.history;
    now += 1000;
  }
  const last = decideRestart(p, crash, history, now, noJitter);
  assert.equal(last.action, "fail");
  assert.match(last.reason, /crash loop: 3 restarts within 10s/);
});

test("restarts older than the window do not count toward a crash loop", () => {
  const p = policy({ crashLoop: { restarts: 3, window: 10_000 } });
  const history: RestartHistory = { attempt: 3, restarts: [0, 1000, 2000] };
  assert.equal(decideRestart(p, crash, history, 10_500, noJitter).action, "restart");
  assert.equal(decideRestart(p, crash, history, 9000, noJitter).action, "fail");
});

test("an app that stayed ready for resetAfter starts over with the initial delay", () => {
  const p = policy();
  const history: RestartHistory = { attempt: 6, restarts: [1, 2, 3, 4, 5, 6], readyAt: 10_000 };
  const soon = decideRestart(p, crash, history, 20_000, noJitter);
  assert.equal(soon.action === "restart" && soon.delayMs, 6400, "ready only 10s: no reset");
  const later = decideRestart(p, crash, history, 40_000, noJitter);
  assert.equal(later.action === "restart" && later.delayMs, 100, "ready 30s: reset");
  assert.deepEqual(later.history, { attempt: 1, restarts: [40_000] });
});

test("restart on-failure: exit 0 stops, a crash restarts", () => {
  const p = policy({ restart: "on-failure" });
  const stopped = decideRestart(p, clean, emptyHistory(), 0);
  assert.equal(stopped.action, "stop");
  assert.equal(stopped.reason, "exited with code 0, restart: on-failure");
  assert.equal(decideRestart(p, crash, emptyHistory(), 0).action, "restart");
  const killed: Ending = { cause: "exited", code: null, signal: "SIGKILL", description: "killed by SIGKILL" };
  assert.equal(decideRestart(p, killed, emptyHistory(), 0).action, "restart", "a signal is a failure");
});

test("restart never: exit 0 stops, a crash fails", () => {
  const p = policy({ restart: "never" });
  assert.equal(decideRestart(p, clean, emptyHistory(), 0).action, "stop");
  const failed = decideRestart(p, crash, emptyHistory(), 0);
  assert.equal(failed.action, "fail");
  assert.equal(failed.reason, "exited with code 1, restart: never");
});

test("an essential app that ends for good fails, even with exit 0", () => {
  assert.equal(decideRestart(policy({ restart: "never", essential: true }), clean, emptyHistory(), 0).action, "fail");
  assert.equal(decideRestart(policy({ restart: "on-failure", essential: true }), clean, emptyHistory(), 0).action, "fail");
});

test("an unhealthy app is restarted even under on-failure, and is a failure under never", () => {
  const unhealthy: Ending = { cause: "unhealthy", code: null, signal: "SIGTERM", description: "not ready after 1s" };
  assert.equal(decideRestart(policy({ restart: "on-failure" }), unhealthy, emptyHistory(), 0).action, "restart");
  assert.equal(decideRestart(policy({ restart: "never" }), unhealthy, emptyHistory(), 0).action, "fail");
});

test("exit code 127 or 126 before the app was ever ready fails at once; after it was ready, it restarts", () => {
  for (const code of [126, 127]) {
    const notFound: Ending = { cause: "exited", code, signal: null, description: `exited with code ${code}` };
    const decision = decideRestart(policy(), notFound, emptyHistory(), 0, noJitter);
    assert.equal(decision.action, "fail");
    assert.match(decision.reason, /cannot run/);
    const afterReady = decideRestart(policy(), notFound, { ...emptyHistory(), readyAt: 0 }, 10, noJitter);
    assert.equal(afterReady.action, "restart");
  }
});
