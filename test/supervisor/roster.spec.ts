// The roster (roster.ts): who the supervisor's members are. Pure: members are plain named objects here.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AppConfig } from "../../src/config/types.ts";
import { Roster } from "../../src/supervisor/roster.ts";

type Fake = { readonly name: string; readonly run: number };
let runs = 0;
const member = (name: string): Fake => ({ name, run: runs++ });
const names = (members: Fake[]) => members.map((m) => m.name);
const config = (name: string, replicas = 1) => ({ name, replicas, dependsOn: {} }) as unknown as AppConfig;

/** A roster with `app`'s replicas on stage, each enrolled and added as the supervisor does. */
function rosterWith(...apps: [string, string[]][]): Roster<Fake> {
  const roster = new Roster<Fake>();
  for (const [app, replicas] of apps) {
    roster.setConfig(config(app, replicas.length));
    for (const replica of replicas) {
      roster.enrol(replica, app);
      roster.add(member(replica));
    }
  }
  return roster;
}

test("an app's members come in replica order (node.2 after node.10 only by number), and only its own", () => {
  const roster = rosterWith(["node", ["node.10", "node.2", "node.0"]], ["api", ["api"]], ["nodejs", ["nodejs"]]);
  assert.deepEqual(names(roster.members("node")), ["node.0", "node.2", "node.10"]);
  assert.deepEqual(names(roster.members("api")), ["api"]);
  assert.deepEqual(names(roster.members("nodejs")), ["nodejs"], "a name that starts like another app's is its own");
  assert.deepEqual(roster.members("unknown"), []);
  assert.equal(roster.appOf("node.2"), "node");
  assert.equal(roster.appOf("api"), "api");
  assert.equal(roster.appOf("stranger.1"), "stranger.1", "a name never enrolled is its own app");
  assert.equal(roster.get("node.2")?.name, "node.2");
  assert.equal(roster.get("node"), undefined, "an app with replicas has no member under its own name");
});

test("swap: the next member takes the old one's name; a renamed replica leaves its old name", () => {
  const roster = rosterWith(["web", ["web"]]);
  const old = roster.get("web")!;
  const next = member("web");
  roster.swap(old, next);
  assert.equal(roster.get("web"), next);
  assert.equal(roster.isCurrent(old), false);
  assert.equal(roster.isCurrent(next), true);

  roster.enrol("web.0", "web");
  const renamed = member("web.0");
  roster.swap(next, renamed);
  assert.equal(roster.get("web"), undefined, "scaled up, web is web.0 now");
  assert.deepEqual(names(roster.members("web")), ["web.0"]);
});

test("swap of a member no longer current leaves the current one of its name where it is", () => {
  const roster = rosterWith(["web", ["web"]]);
  const current = roster.get("web")!;
  const stale = member("web");
  roster.enrol("web.0", "web");
  roster.swap(stale, member("web.0"));
  assert.equal(roster.get("web"), current);
  assert.deepEqual(names(roster.members("web")), ["web", "web.0"]);
});

test("retire: the name leaves the stage, and still belongs to its app (a retiree's log lines)", () => {
  const roster = rosterWith(["web", ["web.0", "web.1"]]);
  const retiree = roster.get("web.1")!;
  roster.retire(retiree);
  assert.deepEqual(names(roster.members("web")), ["web.0"]);
  assert.equal(roster.isCurrent(retiree), false);
  assert.equal(roster.appOf("web.1"), "web");
  assert.deepEqual(names(roster.current()), ["web.0"]);
});

test("configs: names in the order the apps came; a changed config keeps its place; forget drops it", () => {
  const roster = rosterWith(["web", ["web"]], ["api", ["api"]]);
  roster.setConfig(config("worker"));
  assert.deepEqual(roster.names(), ["web", "api", "worker"]);
  const scaled = config("web", 3);
  roster.setConfig(scaled);
  assert.deepEqual(roster.names(), ["web", "api", "worker"]);
  assert.equal(roster.config("web"), scaled);
  assert.deepEqual(roster.configs().map((c) => c.name), ["web", "api", "worker"]);
  roster.forget("api");
  assert.deepEqual(roster.names(), ["web", "worker"]);
  assert.equal(roster.config("api"), undefined);
});

test("alive: a member is alive from its first move until it stops or fails, on stage or off; everyone counts each once", () => {
  const roster = rosterWith(["web", ["web"]]);
  const current = roster.get("web")!;
  const replacement = member("web");
  assert.deepEqual([...roster.alive], []);
  roster.moved(current, "starting");
  roster.moved(replacement, "starting");
  roster.moved(current, "ready");
  assert.deepEqual([...roster.alive], [current, replacement]);
  assert.deepEqual(roster.everyone(), [current, replacement], "the current one once, though it is alive too");
  roster.swap(current, replacement);
  roster.moved(current, "stopping");
  assert.deepEqual(roster.everyone(), [replacement, current], "the old one drains off stage");
  roster.moved(current, "stopped");
  roster.moved(replacement, "sleeping");
  assert.deepEqual([...roster.alive], [replacement], "asleep is alive (it wakes); stopped is not");
  roster.moved(replacement, "failed");
  assert.deepEqual([...roster.alive], []);
  assert.deepEqual(roster.everyone(), [replacement], "a failed current member is still on stage");
});
