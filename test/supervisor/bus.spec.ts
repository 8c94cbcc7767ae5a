// The ordered event bus (bus.ts), and the order in which the supervisor's collaborators hear of a state change.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CHANGE_STAGES, changeBus, OrderedBus, watch, type MemberChange } from "../../src/supervisor/bus.ts";
import type { StateChange } from "../../src/supervisor/status.ts";

test("stages are told in the order they are declared, whatever the order their subscribers came in", () => {
  const bus = new OrderedBus<"first" | "second" | "third", number>([["first", {}], ["second", {}], ["third", {}]]);
  const heard: string[] = [];
  bus.on("third", (n) => heard.push(`third ${n}`));
  bus.on("second", (n) => heard.push(`second ${n}`));
  bus.on("first", (n) => heard.push(`first ${n}`));
  bus.on("second", (n) => heard.push(`second again ${n}`));
  bus.publish(1);
  assert.deepEqual(heard, ["first 1", "second 1", "second again 1", "third 1"]);
});

test("a subscriber that joins while its stage is told waits for the next event; one that leaves then still hears this one", () => {
  const bus = new OrderedBus<"early" | "late", string>([["early", {}], ["late", {}]]);
  const heard: string[] = [];
  let leave = () => {};
  bus.on("early", (event) => {
    heard.push(`a ${event}`);
    bus.on("early", (e) => heard.push(`joined early ${e}`));
    leave();
  });
  leave = bus.on("early", (event) => heard.push(`b ${event}`));
  // A subscriber that joins a later stage while an earlier one is told hears this event.
  bus.on("early", () => void bus.on("late", (e) => heard.push(`joined late ${e}`)));
  bus.publish("x");
  assert.deepEqual(heard, ["a x", "b x", "joined late x"]);
  heard.length = 0;
  bus.publish("y");
  assert.ok(!heard.includes("b y"), "b left");
  assert.ok(heard.includes("joined early y"));
});

test("a stage hears only the events its rule lets through", () => {
  const bus = new OrderedBus<"all" | "even", number>([["all", {}], ["even", { hears: (n) => n % 2 === 0 }]]);
  const heard: string[] = [];
  bus.on("all", (n) => heard.push(`all ${n}`));
  bus.on("even", (n) => heard.push(`even ${n}`));
  bus.publish(1);
  bus.publish(2);
  assert.deepEqual(heard, ["all 1", "all 2", "even 2"]);
});

test("a stage that catches errors tells the rest anyway; an error it does not catch ends the event there", () => {
  const caught: string[] = [];
  const bus = new OrderedBus<"guarded" | "plain" | "after", number>([["guarded", { caught: (error, n) => caught.push(`${error.message} on ${n}`) }], ["plain", {}], ["after", {}]]);
  const heard: string[] = [];
  bus.on("guarded", () => {
    throw new Error("first");
  });
  bus.on("guarded", (n) => heard.push(`guarded ${n}`));
  const off = bus.on("plain", () => {
    throw new Error("plain");
  });
  bus.on("after", (n) => heard.push(`after ${n}`));
  assert.throws(() => bus.publish(1), /plain/);
  assert.deepEqual(caught, ["first on 1"]);
  assert.deepEqual(heard, ["guarded 1"]);
  off();
  bus.publish(2);
  assert.deepEqual(heard, ["guarded 1", "guarded 2", "after 2"]);
});

type Fake = { name: string };
const change = (app: string, to: StateChange["to"]): StateChange => ({ app, from: "idle", to, at: 0, status: { name: app, state: to, restarts: 0, wakes: 0, active: 0, essential: false } });

function recordingChangeBus() {
  const errors: string[] = [];
  const bus = changeBus<Fake>({ listener: (error) => errors.push(`listener: ${error.message}`), waiter: (error) => errors.push(`waiter: ${error.message}`) });
  const heard: string[] = [];
  for (const stage of [...CHANGE_STAGES].reverse()) bus.on(stage, ({ change }) => heard.push(`${stage} ${change.app} ${change.to}`));
  return { bus, heard, errors };
}

test("a current member's change: roster, groups, dependencies, listeners, waiters, in that order", () => {
  const { bus, heard } = recordingChangeBus();
  bus.publish({ member: { name: "web" }, change: change("web", "ready"), current: true });
  assert.deepEqual(heard, ["roster web ready", "groups web ready", "dependencies web ready", "listeners web ready", "waiters web ready"]);
});

test("a replacement's or retiree's change: roster, groups, then only its watchers (offstage); nobody after hears of it", () => {
  const { bus, heard } = recordingChangeBus();
  bus.publish({ member: { name: "web" }, change: change("web", "starting"), current: false });
  assert.deepEqual(heard, ["roster web starting", "groups web starting", "offstage web starting"]);
});

test("a throwing listener or waiter is reported and the others still hear; the stages are the documented six", () => {
  assert.deepEqual(CHANGE_STAGES, ["roster", "groups", "offstage", "dependencies", "listeners", "waiters"]);
  const { bus, heard, errors } = recordingChangeBus();
  bus.on("listeners", () => {
    throw new Error("a listener's bug");
  });
  bus.on("waiters", () => {
    throw new Error("a waiter's bug");
  });
  const event: MemberChange<Fake> = { member: { name: "web" }, change: change("web", "failed"), current: true };
  bus.publish(event);
  assert.deepEqual(errors, ["listener: a listener's bug", "waiter: a waiter's bug"]);
  assert.equal(heard.length, 5);
});

test("watch: every change of one member, on stage (with the waiters) or off (before anyone else past groups), until unwatched", () => {
  const { bus, heard } = recordingChangeBus();
  const next: Fake = { name: "web" };
  const other: Fake = { name: "web" };
  const seen: string[] = [];
  const unwatch = watch(bus, next, (c) => seen.push(c.to));
  bus.publish({ member: next, change: change("web", "starting"), current: false });
  bus.publish({ member: other, change: change("web", "stopping"), current: true });
  bus.publish({ member: next, change: change("web", "ready"), current: true });
  assert.deepEqual(seen, ["starting", "ready"], "not the other member of the same name");
  assert.equal(heard.at(-1), "waiters web ready", "on stage, a watch is a waiter: told after the listeners, among the waiters");
  unwatch();
  bus.publish({ member: next, change: change("web", "stopped"), current: true });
  assert.deepEqual(seen, ["starting", "ready"]);
});
