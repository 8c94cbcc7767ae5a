// dependsOn: start when dependencies meet their condition, independent apps in parallel, stop reversed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SupervisorEvent } from "../../src/supervisor/index.ts";
import { app, supervise, waitState } from "./helpers.ts";

const at = (events: SupervisorEvent[], name: string, state: string) => {
  const index = events.findIndex((e) => e.app === name && e.to === state);
  assert.notEqual(index, -1, `${name} reached ${state}`);
  return index;
};

test("ready: the dependent starts only after its dependency is ready", async (t) => {
  const db = await app("db", { env: { LISTEN_DELAY_MS: "200" } });
  const api = await app("api", { dependsOn: { db: "ready" } });
  const { supervisor, events } = supervise(t, [api, db]);
  await supervisor.start();
  assert.ok(at(events, "db", "ready") < at(events, "api", "starting"));
  await waitState(supervisor, "api", "ready");
});

test("started: the dependent starts once its dependency is spawned, before it is ready", async (t) => {
  const db = await app("db", { env: { LISTEN_DELAY_MS: "300" } });
  const api = await app("api", { dependsOn: { db: "started" }, health: { kind: "none" } });
  const { supervisor, events } = supervise(t, [api, db]);
  await supervisor.start();
  await waitState(supervisor, "db", "ready");
  assert.ok(at(events, "db", "starting") < at(events, "api", "starting"));
  assert.ok(at(events, "api", "starting") < at(events, "db", "ready"));
});

test("completed: the dependent starts after its dependency exited 0", async (t) => {
  const migrate = await app("migrate", {
    script: "exit.js",
    port: undefined,
    health: { kind: "none" },
    restart: "on-failure",
    env: { EXIT_CODE: "0", EXIT_DELAY_MS: "100" },
  });
  const api = await app("api", { dependsOn: { migrate: "completed" } });
  const { supervisor, events } = supervise(t, [api, migrate]);
  await supervisor.start();
  assert.ok(at(events, "migrate", "stopped") < at(events, "api", "starting"));
  await waitState(supervisor, "api", "ready");
});

test("independent apps start in parallel", async (t) => {
  const apps = await Promise.all(["a", "b", "c"].map((name) => app(name, { env: { LISTEN_DELAY_MS: "300" } })));
  const { supervisor, events } = supervise(t, apps);
  await supervisor.start();
  await Promise.all(["a", "b", "c"].map((name) => waitState(supervisor, name, "ready")));
  const firstReady = Math.min(...["a", "b", "c"].map((n) => at(events, n, "ready")));
  for (const name of ["a", "b", "c"]) assert.ok(at(events, name, "starting") < firstReady, `${name} started before any was ready`);
});

test("a dependency that fails for good fails its dependents with a reason naming it", async (t) => {
  const db = await app("db", { command: ["no-such-database-binary"] });
  const api = await app("api", { dependsOn: { db: "ready" } });
  const web = await app("web", { dependsOn: { api: "started" } });
  const { supervisor } = supervise(t, [web, api, db]);
  await supervisor.start();
  assert.equal((await waitState(supervisor, "api", "failed")).reason, "dependency db failed");
  assert.equal((await waitState(supervisor, "web", "failed")).reason, "dependency api failed");
});

test("a dependency that stops before reaching its condition fails the dependent", async (t) => {
  const job = await app("job", { script: "exit.js", port: undefined, health: { kind: "exec", command: ["false"], timeout: 500, interval: 1000, startTimeout: 5000, failures: 1 }, restart: "never", env: { EXIT_CODE: "0" } });
  const api = await app("api", { dependsOn: { job: "ready" } });
  const { supervisor } = supervise(t, [api, job]);
  await supervisor.start();
  assert.equal((await waitState(supervisor, "api", "failed")).reason, "dependency job stopped before it was ready");
});

test("stop runs in reverse dependency order", async (t) => {
  const db = await app("db");
  const api = await app("api", { dependsOn: { db: "ready" } });
  const web = await app("web", { dependsOn: { api: "ready" } });
  const worker = await app("worker", { dependsOn: { db: "started" } });
  const { supervisor, events } = supervise(t, [db, api, web, worker]);
  await supervisor.start();
  await Promise.all(["db", "api", "web", "worker"].map((n) => waitState(supervisor, n, "ready")));
  await supervisor.stop();
  assert.ok(at(events, "web", "stopped") < at(events, "api", "stopping"));
  assert.ok(at(events, "api", "stopped") < at(events, "db", "stopping"));
  assert.ok(at(events, "worker", "stopped") < at(events, "db", "stopping"));
  assert.ok(at(events, "worker", "stopping") < at(events, "api", "stopped"), "independent branches stop in parallel");
  assert.deepEqual(supervisor.snapshot().map((s) => s.state), ["stopped", "stopped", "stopped", "stopped"]);
});

test("stop while a dependent still waits: it never starts", async (t) => {
  const db = await app("db", { script: "idle.js" });
  const api = await app("api", { dependsOn: { db: "ready" } });
  const { supervisor, events } = supervise(t, [db, api]);
  const started = supervisor.start();
  await waitState(supervisor, "db", "starting");
  await supervisor.stop();
  await started;
  assert.ok(!events.some((e) => e.app === "api" && e.to === "starting"));
  assert.deepEqual(supervisor.snapshot().map((s) => s.state), ["stopped", "stopped"]);
});
