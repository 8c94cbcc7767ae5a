// The descendant tracker: a look at /proc says whether anything changed, which is what its back-off follows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SupervisedApp } from "../../src/supervisor/app.ts";
import { DescendantTracker } from "../../src/supervisor/tracker.ts";
import { app, recordingLogger, waitFor } from "./helpers.ts";

test("trackNow() reports a change only when an app's processes (or the running apps) change", async (t) => {
  // family.js starts a child and a setsid'd grandchild and prints their pids.
  const log = recordingLogger();
  const family = new SupervisedApp(await app("family", { script: "family.js", stopTimeout: 300 }), { log, onChange: () => {}, onInternalError: (error) => assert.fail(error) });
  t.after(() => family.stop("immediate"));
  const tracker = new DescendantTracker(60_000, () => [family]);
  await family.launch();
  await waitFor(() => family.state === "ready", "family ready");
  const [child, grandchild] = (await waitFor(() => log.records.lines.find((l) => l.name === "family" && l.line.startsWith("pids ")), "the pids line")).line.split(" ").slice(1).map(Number);
  assert.equal(tracker.trackNow(), true, "a new running app and its new descendants are a change");
  assert.ok(family.processes().includes(child) && family.processes().includes(grandchild), "the descendants are known, the setsid'd one too");
  assert.equal(tracker.trackNow(), false, "nothing came or went since");
  await family.stop();
  assert.equal(tracker.trackNow(), true, "the app stopped");
  assert.equal(tracker.trackNow(), false);
});
