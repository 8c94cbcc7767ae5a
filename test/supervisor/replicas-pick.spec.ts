// Which replica a request goes to (src/supervisor/replicas.ts): the ready one with the fewest requests in flight,
// round robin among equals. Replicas here are stand-ins with just what pickReplica reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Member } from "../../src/supervisor/member.ts";
import { pickReplica } from "../../src/supervisor/replicas.ts";

function group(names: string[], notReady: string[] = []) {
  const picked: string[] = [];
  const open = new Map(names.map((name) => [name, 0]));
  const replicas = names.map((name) => ({
    name,
    ready: !notReady.includes(name),
    activity: {
      get openRequests() {
        return open.get(name)!;
      },
    },
    acquire() {
      picked.push(name);
      open.set(name, open.get(name)! + 1);
      return { host: "127.0.0.1", port: 1, release: () => void open.set(name, open.get(name)! - 1) };
    },
  }));
  let turn = 0;
  const pick = () => pickReplica(replicas as unknown as Member[], turn++);
  return { picked, open, pick };
}

test("pickReplica: round robin among equals", () => {
  const { picked, pick } = group(["a", "b", "c"]);
  for (let i = 0; i < 6; i++) pick()!.release();
  assert.deepEqual(picked, ["a", "b", "c", "a", "b", "c"]);
});

test("pickReplica: the fewest in flight, whatever the turn", () => {
  const { picked, open, pick } = group(["a", "b", "c"]);
  const slow = pick()!; // a keeps one in flight
  for (let i = 0; i < 6; i++) pick()!.release();
  assert.ok(!picked.slice(1).includes("a"), `a is skipped while it has more in flight than the others: ${picked}`);
  pick();
  pick(); // b and c now hold one each, like a
  assert.deepEqual([...open.values()], [1, 1, 1]);
  pick(); // all equal again: any of them
  assert.deepEqual([...open.values()].sort(), [1, 1, 2]);
  slow.release();
});

test("pickReplica: a replica that is not ready gets nothing; none ready, no upstream", () => {
  const { picked, pick } = group(["down", "up"], ["down"]);
  for (let i = 0; i < 4; i++) pick()!.release();
  assert.deepEqual(picked, ["up", "up", "up", "up"]);
  assert.equal(group(["x"], ["x"]).pick(), undefined);
});

test("pickReplica: around a replica out of rotation, the others share evenly", () => {
  const { picked, pick } = group(["a", "b", "c"], ["b"]);
  for (let i = 0; i < 60; i++) pick()!.release();
  assert.equal(picked.filter((name) => name === "a").length, 30);
  assert.equal(picked.filter((name) => name === "c").length, 30);
});
