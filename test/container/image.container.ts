// The Dockerfile, built and run with podman: the seed story through the container's port, an app killed inside
// comes back, an orphan is reaped by tini, and `podman stop` ends zoo with exit code 0 well inside the grace time.
// Podman and local stand-ins for the base images come from ../shared/container (see its README).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../helpers/zoo-process.ts";
import { checkSeedRoutes, get, waitFor200 } from "../e2e/seed-checks.ts";
import { assertHealthy, setUpPodman, stopWithinThreeSeconds } from "./podman.ts";

const IMAGE = "localhost/zoo-test:latest";

test("the image serves the seed story, restarts a killed app, reaps orphans and stops cleanly", { timeout: 20 * 60_000 }, async (t: TestContext) => {
  const podmanSetup = await setUpPodman(t);
  if (!podmanSetup) return;
  const { podman, build } = podmanSetup;
  await build(IMAGE);

  const name = `zoo-test-${process.pid}`;
  const port = await freePort();
  t.after(() => podman("rm", "--force", "--time", "0", name));
  const started = await podman("run", "--detach", "--name", name, "--publish", `127.0.0.1:${port}:8000`, IMAGE);
  assert.equal(started.code, 0, started.stderr);
  const logs = async () => {
    const { stdout, stderr } = await podman("logs", name);
    return `container output:\n${stdout}${stderr}`;
  };

  try {
    await waitFor200(port, ["/", "/node", "/go"], 60_000);
    await checkSeedRoutes(port);

    await assertHealthy(podmanSetup, name);

    // zoo in the image is the single executable, not node_modules + dist.
    const zooFile = await podman("exec", name, "sh", "-c", "head -c 4 /usr/local/bin/zoo | od -An -c && ls /app");
    assert.match(zooFile.stdout, /177\s+E\s+L\s+F/, `/usr/local/bin/zoo is not an executable file: ${zooFile.stdout}${zooFile.stderr}`);
    assert.doesNotMatch(zooFile.stdout, /node_modules|dist/, "no node_modules or dist in /app");
    t.diagnostic(`seed image size: ${(await podman("image", "inspect", "--format", "{{.Size}}", IMAGE)).stdout.trim()} bytes`);

    // Kill the Node app inside the container: zoo must restart it.
    const nodeApp = async () => (await podman("exec", name, "pgrep", "-x", "-f", "node main.js")).stdout.trim();
    const before = await nodeApp();
    assert.match(before, /^\d+$/, "one Node app process in the container");
    const killed = await podman("exec", name, "kill", "-KILL", before);
    assert.equal(killed.code, 0, killed.stderr);
    const deadline = Date.now() + 30_000;
    let after = "";
    while (Date.now() < deadline) {
      after = await nodeApp();
      if (/^\d+$/.test(after) && after !== before && (await get(port, "/node").catch(() => undefined))?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(/^\d+$/.test(after) && after !== before, `the Node app did not come back (pid before ${before}, now "${after}")`);
    await waitFor200(port, ["/node"], 10_000);
    assert.deepEqual((await get(port, "/node/a/b/c")).body, Buffer.from("I'm Node!\r\n[/node/a/b/c]\r\n"));

    // An orphan: its parent exits at once, so it is reparented to PID 1, which must reap it when it ends.
    const orphaned = await podman("exec", name, "sh", "-c", "sleep 0.3 & exit 0");
    assert.equal(orphaned.code, 0, orphaned.stderr);
    const reapDeadline = Date.now() + 10_000;
    let table = "";
    while (Date.now() < reapDeadline) {
      table = (await podman("exec", name, "ps", "-eo", "pid,ppid,stat,args")).stdout;
      if (!/\bsleep\b/.test(table)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.doesNotMatch(table, /\bsleep\b/, `the orphaned sleep was not reaped:\n${table}`);
    const zombies = table.split("\n").filter((line) => /^\s*\d+\s+\d+\s+Z/.test(line));
    assert.deepEqual(zombies, [], `defunct processes in the container:\n${table}`);
    assert.match(table, /^\s*1\s+0\s+\S+\s+tini -- zoo start/m, `PID 1 is tini:\n${table}`);

    // docker stop's grace is 10 s; zoo must be done long before.
    await stopWithinThreeSeconds(podmanSetup, name, logs);
  } catch (error) {
    (error as Error).message += `\n${await logs()}`;
    throw error;
  }
});
