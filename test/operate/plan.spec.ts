// The reload plan: only the difference between the running config and the new one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describePlan, planReload } from "../../src/config/diff.ts";
import { build } from "../config/helpers.ts";

const base = {
  listen: 8000,
  apps: {
    web: { command: "node web.js", port: 9100 },
    api: { command: "node api.js" },
    old: { command: "node old.js" },
  },
  routes: { "/": "web", "/api": "api" },
};

test("added, removed, changed and unchanged apps; routes swapped", () => {
  const next = structuredClone(base) as Record<string, any>;
  delete next.apps.old;
  next.apps.new = { command: "node new.js" };
  next.apps.api.env = { MODE: "b" };
  next.routes["/new"] = "new";
  const plan = planReload(build(base), build(next));
  assert.deepEqual(plan.refused, []);
  assert.deepEqual(plan.added, ["new"]);
  assert.deepEqual(plan.removed, ["old"]);
  assert.deepEqual(plan.changed, [{ name: "api", fields: ["env"], replicas: 1 }]);
  assert.deepEqual(plan.unchanged, ["web"]);
  assert.deepEqual(plan.proxy, ["routes"]);
  assert.deepEqual(describePlan(plan), ["proxy: routes swapped", "new: added, started", "api: replaced (env changed)", "old: removed, drained and stopped"]);
});

test("the same config gives an empty plan", () => {
  const plan = planReload(build(base), build(structuredClone(base)));
  assert.deepEqual([plan.proxy, plan.added, plan.removed, plan.changed, plan.refused], [[], [], [], [], []]);
  assert.deepEqual(plan.unchanged.sort(), ["api", "old", "web"]);
});

test("a new listen address is refused with the reason, and nothing else is planned to apply", () => {
  const plan = planReload(build(base), build({ ...base, listen: 8001, readyWait: "9s" }));
  assert.equal(plan.refused.length, 1);
  assert.match(plan.refused[0], /^listen changed \(0\.0\.0\.0:8000 → 0\.0\.0\.0:8001\): .*restart zoo/);
  assert.deepEqual(describePlan(plan), plan.refused.map((r) => `refused: ${r}`));
});
