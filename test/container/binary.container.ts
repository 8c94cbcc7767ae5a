// zoo's single executable in images without Node, as the README's "Add zoo to your image" shows: the Dockerfile's
// zoo-bin target holds only /zoo and /tini; copied into a debian:bookworm-slim image with the Python app and the
// Go app's binary, and into a golang:bookworm image with the Go app, zoo serves, answers `zoo status` inside, and
// `podman stop` ends it with exit code 0 within 3 s.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, ROOT } from "../helpers/zoo-process.ts";
import { SEED_LINES, get, waitFor200 } from "../e2e/seed-checks.ts";
import { assertHealthy, setUpPodman, stopWithinThreeSeconds, type Podman } from "./podman.ts";

const ZOO_BIN = "localhost/zoo-bin-test:latest";
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Runs an image, checks the seed's lines under `paths`, `zoo status` and `zoo health` inside it, then stops it. */
async function proveImage(t: TestContext, setup: Podman, image: string, apps: string[], paths: string[]): Promise<void> {
  const lines = SEED_LINES.filter(([path]) => !path.startsWith("/node") && (paths.includes("/") || path.startsWith("/go")));
  const { podman } = setup;
  const name = `zoo-bin-test-${process.pid}-${apps.join("-")}`;
  const port = await freePort();
  t.after(() => podman("rm", "--force", "--time", "0", name));
  const started = await podman("run", "--detach", "--name", name, "--publish", `127.0.0.1:${port}:8000`, image);
  assert.equal(started.code, 0, started.stderr);
  const logs = async () => {
    const { stdout, stderr } = await podman("logs", name);
    return `container output:\n${stdout}${stderr}`;
  };
  try {
    const noNode = await podman("exec", name, "sh", "-c", "command -v node nodejs");
    assert.notEqual(noNode.code, 0, `the image has a Node: ${noNode.stdout}`);

    await waitFor200(port, paths, 60_000);
    for (const [path, body] of lines) {
      const reply = await get(port, path);
      assert.equal(reply.status, 200, `GET ${path}: ${reply.body}`);
      assert.deepEqual(reply.body, Buffer.from(body), `GET ${path}: ${JSON.stringify(reply.body.toString())}`);
    }

    const status = await podman("exec", name, "zoo", "status");
    assert.equal(status.code, 0, `zoo status: ${status.stdout}${status.stderr}`);
    for (const app of apps) assert.match(status.stdout, new RegExp(`^${app}\\s.*\\bready\\b`, "m"), `zoo status:\n${status.stdout}`);
    await assertHealthy(setup, name);
    // The other commands, from the same file.
    const validate = await podman("exec", name, "zoo", "validate");
    assert.equal(validate.code, 0, `zoo validate: ${validate.stdout}${validate.stderr}`);
    assert.match(validate.stdout, /zoo\.config\.json: valid/);
    const schema = await podman("exec", name, "zoo", "schema");
    assert.equal(schema.code, 0, schema.stderr);
    assert.equal(JSON.parse(schema.stdout).type, "object", "zoo schema prints the JSON Schema");
    const version = await podman("exec", name, "zoo", "--version");
    assert.equal(version.stdout.trim(), VERSION, "zoo --version");

    const ps = await podman("exec", name, "cat", "/proc/1/cmdline");
    assert.equal(ps.stdout.split("\0").filter(Boolean).join(" "), "tini -- zoo start", "PID 1 is tini");

    await stopWithinThreeSeconds(setup, name, logs);
  } catch (error) {
    (error as Error).message += `\n${await logs()}`;
    throw error;
  }
}

test("zoo's single executable in images without Node", { timeout: 25 * 60_000 }, async (t) => {
  const setup = await setUpPodman(t);
  if (!setup) return;
  const { podman, build } = setup;

  await build(ZOO_BIN, "--target", "zoo-bin");
  await t.test("the zoo-bin target holds only /zoo and /tini", async () => {
    const created = await podman("create", ZOO_BIN, "/zoo");
    assert.equal(created.code, 0, created.stderr);
    const dir = mkdtempSync(join(tmpdir(), "zoo-bin-test-"));
    try {
      const exported = await podman("export", "--output", join(dir, "fs.tar"), created.stdout.trim());
      assert.equal(exported.code, 0, exported.stderr);
      const listing = execFileSync("tar", ["-tf", join(dir, "fs.tar")], { encoding: "utf8" });
      assert.deepEqual(listing.split("\n").filter((line) => line && !line.endsWith("/")).sort(), ["tini", "zoo"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await podman("rm", "--force", created.stdout.trim());
    }
    t.diagnostic(`zoo-bin image size: ${(await podman("image", "inspect", "--format", "{{.Size}}", ZOO_BIN)).stdout.trim()} bytes`);
  });

  await t.test("debian:bookworm-slim with python3 (FastAPI, uvicorn) and the Go app's binary serves / and /go", async (t) => {
    const image = "localhost/zoo-bin-test-python-go:latest";
    await build(image, "--build-arg", `ZOO_BIN=${ZOO_BIN}`, "-f", resolve(ROOT, "test/container/images/python-go/Dockerfile"));
    await proveImage(t, setup, image, ["python", "go"], ["/", "/go"]);
  });

  await t.test("golang:bookworm with the Go app serves /go", async (t) => {
    const image = "localhost/zoo-bin-test-go:latest";
    await build(image, "--build-arg", `ZOO_BIN=${ZOO_BIN}`, "-f", resolve(ROOT, "test/container/images/go/Dockerfile"));
    await proveImage(t, setup, image, ["go"], ["/go"]);
  });
});
