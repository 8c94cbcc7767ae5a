// The Docker stop-grace warning at start: silent on the defaults (with a dependsOn), said when the timeouts cannot fit.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { listeningPort, ROOT, startZoo, stopZoo, tempConfig } from "../helpers/zoo-process.ts";

const APP = join(ROOT, "test/operate/app.js");
const app = (extra: Record<string, unknown> = {}) => ({ command: [process.execPath, APP], ...extra });

async function startOutput(t: import("node:test").TestContext, apps: Record<string, unknown>): Promise<string> {
  const { file, dir } = tempConfig({ listen: "127.0.0.1:0", apps, routes: { "/": "web" } });
  const zoo = startZoo(["start", "-c", file], { cwd: dir });
  t.after(() => stopZoo(zoo));
  await listeningPort(zoo); // the warning comes before the listener
  return zoo.output();
}

test("one dependsOn with the default timeouts fits Docker's 10 s grace: no warning", async (t) => {
  const output = await startOutput(t, { db: app(), web: app({ dependsOn: ["db"] }) });
  assert.doesNotMatch(output, /stopping may take/);
});

test("a stopTimeout that cannot fit Docker's grace is warned about at start", async (t) => {
  const output = await startOutput(t, { db: app({ stopTimeout: "8s" }), web: app({ dependsOn: ["db"] }) });
  assert.match(output, /stopping may take up to 11000ms \(drainTimeout \+ the longest stopTimeout\), more than Docker's 10000ms stop grace: lower them or run docker stop -t 12/);
});
