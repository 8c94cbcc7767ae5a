// releaseWhenQuiet (src/memory-release.ts): memory is released once zoo goes quiet after real work, not while it
// works, not when it was quiet all along, and not again until there has been more work. Real CPU time, real timers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { releaseWhenQuiet } from "../../src/memory-release.ts";

const WINDOW_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps this process's CPU busy for about `ms`, yielding between slices so that timers still run. */
async function work(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = Date.now() + 20;
    while (Date.now() < slice);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test("quiet from the start: nothing to release", async (t) => {
  let releases = 0;
  t.after(releaseWhenQuiet(() => releases++, { every: WINDOW_MS }));
  await sleep(WINDOW_MS * 4);
  assert.equal(releases, 0);
});

test("work, then quiet: one release in the first quiet window, none while working, none again without work", async (t) => {
  let releases = 0;
  t.after(releaseWhenQuiet(() => releases++, { every: WINDOW_MS }));
  await work(WINDOW_MS * 3);
  assert.equal(releases, 0, "no release while zoo works");
  await sleep(WINDOW_MS * 3);
  assert.equal(releases, 1, "one release once quiet");
  await sleep(WINDOW_MS * 3);
  assert.equal(releases, 1, "no second release without more work");
  await work(WINDOW_MS * 3);
  await sleep(WINDOW_MS * 3);
  assert.equal(releases, 2, "more work, then quiet: released again");
});

/** About 0.5 ms of CPU in each 100 ms, for `ms`: under 1% of a window, less than half of what makes it busy. */
async function lightWork(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const slice = performance.now() + 0.5;
    while (performance.now() < slice);
    await sleep(100);
  }
}

test("light work that never makes a busy window: no release until the light-work interval has passed", async (t) => {
  let releases = 0;
  const every = 1000;
  await lightWork(500); // compiled and warm before the windows are counted
  t.after(releaseWhenQuiet(() => releases++, { every, lightWorkMs: every * 5, workCpuUs: 3_000 }));
  await lightWork(every * 4);
  assert.equal(releases, 0, "light work alone does not release before the interval");
  await sleep(every * 3);
  assert.equal(releases, 1, "once the interval has passed, the work it added up to is released");
});

test("a little work that is due no release: malloc is trimmed alone, once, in the next quiet window", async (t) => {
  let releases = 0;
  let trims = 0;
  await work(10); // compiled and warm before the windows are counted
  t.after(releaseWhenQuiet(() => releases++, { every: WINDOW_MS, trim: () => trims++, trimCpuUs: 10_000 }));
  await work(15); // a tenth of what makes a release worth it
  await sleep(WINDOW_MS * 3);
  assert.equal(releases, 0, "no GC for so little work");
  assert.equal(trims, 1, "one trim, not one per window");
});
