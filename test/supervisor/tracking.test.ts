// The descendant tracker: a look at /proc says whether anything changed, which is what its back-off follows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { app, supervise, waitFor, waitState } from "./helpers.ts";

test("trackDescendants() reports a change only when an app's processes (or the running apps) change", async (t) => {
  // family.js starts a child and a setsid'd grandchild and prints their pids.
  const family = await app("family", { script: "family.js", stopTimeout: 300 });
  const { supervisor, log } = supervise(t, [family], undefined, 60_000);
  await supervisor.start();
  await waitState(supervisor, "family", "ready");
  await waitFor(() => log.records.lines.find((l) => l.name === "family" && l.line.startsWith("pids ")), "the pids line");
  assert.equal(supervisor.trackDescendants(), true, "a new running app and its new descendants are a change");
  assert.equal(supervisor.trackDescendants(), false, "nothing came or went since");
  await supervisor.stop();
  assert.equal(supervisor.trackDescendants(), true, "the app stopped");
  assert.equal(supervisor.trackDescendants(), false);
});
