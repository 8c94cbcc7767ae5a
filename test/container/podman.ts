// Podman for the container tests, with local stand-ins for the public base images (../shared/container, see its README).
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { TestContext } from "node:test";
import { ROOT } from "../helpers/zoo-process.ts";

const TOOLS = resolve(process.env.ZOO_CONTAINER_TOOLS ?? resolve(ROOT, "../shared/container"));
const BASE_IMAGES = ["docker.io/library/debian:bookworm-slim", "docker.io/library/node:24-bookworm-slim", "docker.io/library/golang:bookworm"];

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr: error && !stderr ? error.message : stderr });
    });
  });
}

/** The environment podman-env.sh sets up (private storage and a runtime that works on these hosts). */
function podmanEnv(): NodeJS.ProcessEnv {
  const dump = spawnSync("bash", ["-c", '. "$1" >/dev/null && env -0', "_", resolve(TOOLS, "podman-env.sh")], { encoding: "utf8" });
  if (dump.status !== 0) throw new Error(`podman-env.sh failed: ${dump.stderr}`);
  return Object.fromEntries(dump.stdout.split("\0").filter(Boolean).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}

/** Why podman cannot run here at all, or undefined. Anything else missing is set up by the tests themselves. */
function whyNoPodman(): string | undefined {
  if (process.platform !== "linux") return `podman needs Linux (this is ${process.platform})`;
  if (!existsSync(resolve(TOOLS, "stand-in-images.sh"))) return `no container tools at ${TOOLS} (set ZOO_CONTAINER_TOOLS)`;
  const hasPodman = spawnSync("sh", ["-c", "command -v podman"]).status === 0;
  if (!hasPodman && process.getuid?.() !== 0) return "podman is not installed, and installing it needs root (apt-get install podman)";
  return undefined;
}

export interface Podman {
  env: NodeJS.ProcessEnv;
  podman: (...args: string[]) => Promise<Result>;
  /** `podman build` of ROOT as the context; the build's output is in the failure message. */
  build: (tag: string, ...args: string[]) => Promise<void>;
}

/**
 * Podman with the stand-in base images (made once per machine, a minute or two), or undefined when this machine
 * cannot run it: then the test is skipped, except in CI, where it fails.
 */
export async function setUpPodman(t: TestContext): Promise<Podman | undefined> {
  const reason = whyNoPodman();
  if (reason) {
    if (process.env.CI) assert.fail(`CI must run the container tests: ${reason}`);
    t.skip(reason);
    return undefined;
  }
  const env = { ...process.env, ...podmanEnv() };
  const podman = (...args: string[]) => run("podman", args, env);
  const hasPodman = () => spawnSync("sh", ["-c", "command -v podman"]).status === 0;
  const baseImages = async () => (await Promise.all(BASE_IMAGES.map((image) => podman("image", "exists", image)))).every((r) => r.code === 0);
  if (!hasPodman() || !(await baseImages())) {
    const setup = await run(resolve(TOOLS, "stand-in-images.sh"), [], env, 15 * 60_000);
    assert.equal(setup.code, 0, `stand-in-images.sh failed:\n${setup.stdout}${setup.stderr}`);
  }

  // Behind a TLS-intercepting proxy, npm inside the build needs the machine's CA bundle: a build secret, never a layer.
  const ca = [process.env.NODE_EXTRA_CA_CERTS, "/etc/ssl/certs/ca-certificates.crt"].find((file) => file && existsSync(file));
  const secret = ca ? ["--secret", `id=ca-certificates,src=${ca}`] : [];
  const build = async (tag: string, ...args: string[]) => {
    // --format docker keeps the HEALTHCHECK (the OCI format has none).
    const built = await run("podman", ["build", "--pull=never", "--isolation=chroot", "--format", "docker", ...secret, "-t", tag, ...args, ROOT], env, 15 * 60_000);
    assert.equal(built.code, 0, `podman build ${args.join(" ")} failed:\n${built.stdout.slice(-4000)}${built.stderr.slice(-4000)}`);
  };
  return { env, podman, build };
}

/**
 * `podman stop` with docker's 10 s grace: the container must have ended within 3 s, with exit code 0. "Ended" is
 * the container's FinishedAt: on a loaded machine podman's own clean-up after the exit can take seconds more.
 */
export async function stopWithinThreeSeconds({ podman }: Podman, name: string, logs: () => Promise<string>): Promise<void> {
  const stopStarted = Date.now();
  const stopped = await podman("stop", "--time", "10", name);
  const stopWallMs = Date.now() - stopStarted;
  assert.equal(stopped.code, 0, stopped.stderr);
  const [exitCode, finishedAt] = (await podman("inspect", name, "--format", "{{.State.ExitCode}} {{.State.FinishedAt.UnixMilli}}")).stdout.trim().split(" ");
  assert.equal(exitCode, "0", await logs());
  const stopMs = Number(finishedAt) - stopStarted;
  assert.ok(stopMs < 3000, `the container ended ${stopMs}ms after podman stop began (podman stop returned after ${stopWallMs}ms)\n${await logs()}`);
}

/**
 * The image's HEALTHCHECK (`zoo health`), as Docker judges it: unhealthy only after 3 failures in a row (the
 * Dockerfiles' --retries=3; on a loaded machine one run can exceed its 3 s timeout).
 */
export async function assertHealthy({ podman }: Podman, name: string): Promise<void> {
  let last: Result | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    last = await podman("healthcheck", "run", name);
    if (last.code === 0) return;
  }
  assert.fail(`HEALTHCHECK (zoo health) failed 3 times: ${last!.stdout}${last!.stderr}`);
}
