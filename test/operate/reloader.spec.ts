// The Reloader against a fake supervisor and a fake proxy: which steps run, in which order, one reload at a time,
// and what the running config becomes. Each step of the fake resolves only when the test says so, so the order is
// observed, never timed. The real-process tests (reload.test.ts) check the same flows end to end.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AppConfig, Config } from "../../src/config/types.ts";
import { ConfigError } from "../../src/errors.ts";
import { Reloader, type Outcome, type RunningApps, type RunningProxy } from "../../src/reload.ts";
import { recordingLogger } from "../supervisor/helpers.ts";
import { build } from "../config/helpers.ts";

/** A step the fake supervisor was asked to take, finished by the test with done(). */
interface Step {
  what: string;
  done(outcome?: Outcome): void;
}

/** A supervisor whose every step waits for the test: `journal` says what was asked, in order. */
class FakeApps implements RunningApps {
  readonly journal: string[] = [];
  readonly pending: Step[] = [];

  #step(what: string): Promise<Outcome> {
    this.journal.push(what);
    return new Promise((resolve) => this.pending.push({ what, done: (outcome = { ok: true, message: "ok" }) => resolve(outcome) }));
  }

  addApp(config: AppConfig) {
    return this.#step(`add ${config.name}`);
  }
  replaceApp(config: AppConfig) {
    return this.#step(`replace ${config.name}`);
  }
  removeApp(name: string) {
    return this.#step(`remove ${name}`);
  }
  scaleApp(name: string, replicas: number) {
    return this.#step(`scale ${name} ${replicas}`);
  }

  /** Finishes the pending step named `what`. */
  finish(what: string, outcome?: Outcome): void {
    const index = this.pending.findIndex((step) => step.what === what);
    assert.ok(index >= 0, `no pending step "${what}" (pending: ${this.pending.map((s) => s.what).join(", ") || "none"})`);
    this.pending.splice(index, 1)[0].done(outcome);
  }
}

class FakeProxy implements RunningProxy {
  readonly journal: string[];
  constructor(journal: string[]) {
    this.journal = journal;
  }
  served: Config | undefined;
  update(config: Config): void {
    this.served = config;
    this.journal.push("routes");
  }
  readFiles() {
    return { steps: [], apply: () => this.journal.push("certificates") };
  }
}

/** Lets every promise chain already under way run to its next wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** An app on a port of its own name's first letter, so a changed command changes only the command. */
const app = (command: string) => ({ command: ["node", command], port: 9000 + command.charCodeAt(0) });

function setup(initial: Config) {
  const files: (Config | Error)[] = [];
  const apps = new FakeApps();
  const proxy = new FakeProxy(apps.journal);
  const log = recordingLogger();
  const load = async () => {
    const next = files.shift();
    assert.ok(next, "the test wrote no file for this load");
    if (next instanceof Error) throw next;
    return next;
  };
  const reloader = new Reloader(initial, load, apps, proxy, log);
  return { reloader, apps, proxy, log, write: (config: Config | Error) => files.push(config) };
}

test("added apps start before the routes swap, replacements after, removals last once the rest are done", async () => {
  const before = build({ apps: { a: app("a.js"), b: app("bb.js"), c: app("ccc.js") }, routes: { "/": "a" } });
  const after = build({ apps: { a: app("a2.js"), b: app("bb.js"), d: app("dddd.js") }, routes: { "/": "d" } });
  const { reloader, apps, write } = setup(before);
  write(after);
  const result = reloader.reload();
  await settle();
  assert.deepEqual(apps.journal, ["certificates", "add d", "routes", "replace a"]);
  apps.finish("add d");
  await settle();
  assert.deepEqual(apps.journal.slice(4), [], "nothing is removed while a replacement runs");
  apps.finish("replace a");
  await settle();
  assert.deepEqual(apps.journal.slice(4), ["remove c"]);
  apps.finish("remove c");
  const { ok, plan } = await result;
  assert.equal(ok, true);
  assert.deepEqual(plan, ["proxy: routes swapped", "d: added, started", "a: replaced (command changed)", "c: removed, drained and stopped"]);
  assert.deepEqual(reloader.config.apps.map((a) => a.name).sort(), ["a", "b", "d"]);
});

test("one reload at a time: the second waits until the first has finished every step", async () => {
  const one = build({ apps: { a: app("a.js") }, routes: { "/": "a" } });
  const two = build({ apps: { a: app("a2.js") }, routes: { "/": "a" } });
  const three = build({ apps: { a: app("a33.js") }, routes: { "/": "a" } });
  const { reloader, apps, write } = setup(one);
  write(two);
  write(three);
  const first = reloader.reload();
  const second = reloader.reload();
  await settle();
  assert.deepEqual(apps.pending.map((s) => s.what), ["replace a"], "the second reload has not loaded the file yet");
  apps.finish("replace a");
  assert.equal((await first).ok, true);
  await settle();
  assert.deepEqual(apps.pending.map((s) => s.what), ["replace a"], "now the second one runs");
  apps.finish("replace a");
  assert.equal((await second).ok, true);
  assert.deepEqual(reloader.config.apps[0].command, ["node", "a33.js"]);
});

test("an invalid file changes nothing and says why; the next valid one applies", async () => {
  const running = build({ apps: { a: app("a.js") }, routes: { "/": "a" } });
  const { reloader, apps, log, write } = setup(running);
  write(new ConfigError("zoo.config.json", [{ code: "ZOO_ERR_CONFIG_INVALID", path: ["apps", "a", "port"], message: "expected a number" }]));
  const result = await reloader.reload();
  assert.equal(result.ok, false);
  assert.match(result.errors ?? "", /expected a number/);
  assert.deepEqual(apps.journal, []);
  assert.equal(reloader.config, running);
  assert.ok(log.records.zoo.some((line) => line.level === "error" && /invalid, nothing changed/.test(line.message)));
  write(build({ apps: { a: app("a.js"), b: app("bb.js") }, routes: { "/": "a" } }));
  const next = reloader.reload();
  await settle();
  apps.finish("add b");
  assert.equal((await next).ok, true);
  assert.deepEqual(reloader.config.apps.map((a) => a.name), ["a", "b"]);
});

test("a change that needs a restart of zoo is refused whole: no app is touched, not even the ones that could be", async () => {
  const running = build({ listen: 8080, apps: { a: app("a.js") }, routes: { "/": "a" } });
  const { reloader, apps, write } = setup(running);
  write(build({ listen: 8081, apps: { a: app("a2.js"), b: app("bb.js") }, routes: { "/": "a" } }));
  const result = await reloader.reload();
  assert.equal(result.ok, false);
  assert.equal(result.needsRestart, true);
  assert.match(result.plan.join("\n"), /refused: listen changed/);
  assert.deepEqual(apps.journal, []);
  assert.equal(reloader.config, running);
});

test("a dry run plans without a step and keeps the running config", async () => {
  const running = build({ apps: { a: app("a.js") }, routes: { "/": "a" } });
  const { reloader, apps, write } = setup(running);
  write(build({ apps: { a: app("a.js"), b: app("bb.js") }, routes: { "/": "a", "/b": "b" } }));
  const result = await reloader.reload(true);
  assert.deepEqual(result, { ok: true, plan: ["proxy: routes swapped", "b: added, started"] });
  assert.deepEqual(apps.journal, []);
  assert.equal(reloader.config, running);
});

test("a replacement that fails keeps the old config of that app, so the next reload of the same file tries again", async () => {
  const running = build({ apps: { a: app("a.js"), b: app("bb.js") }, routes: { "/": "a" } });
  const next = build({ apps: { a: app("a2.js"), b: app("bb2.js") }, routes: { "/": "a" } });
  const { reloader, apps, write } = setup(running);
  write(next);
  const result = reloader.reload();
  await settle();
  apps.finish("replace a", { ok: false, message: "the new instance never became ready" });
  apps.finish("replace b");
  const { ok, plan } = await result;
  assert.equal(ok, false);
  assert.equal(plan.at(-1), "failed: a: the new instance never became ready");
  assert.deepEqual(reloader.config.apps.find((a) => a.name === "a")!.command, ["node", "a.js"], "a keeps its old config");
  assert.deepEqual(reloader.config.apps.find((a) => a.name === "b")!.command, ["node", "bb2.js"]);
  write(next);
  const again = reloader.reload(true);
  assert.deepEqual((await again).plan, ["a: replaced (command changed)"]);
});

test("a file that changes nothing runs no step", async () => {
  const running = build({ apps: { a: app("a.js") }, routes: { "/": "a" } });
  const { reloader, apps, write } = setup(running);
  write(build({ apps: { a: app("a.js") }, routes: { "/": "a" } }));
  assert.deepEqual(await reloader.reload(), { ok: true, plan: [] });
  assert.deepEqual(apps.journal, []);
});
