// What the container tests share: podman's environment on these machines, running a tool, building the image.
// Podman and local stand-ins for the base images come from ../shared/container (see its README).
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ROOT } from "../helpers/zoo-process.ts";

export const TOOLS = resolve(process.env.ZOO_CONTAINER_TOOLS ?? resolve(ROOT, "../shared/container"));
const BASE_IMAGES = ["docker.io/library/node:24-bookworm-slim", "docker.io/library/golang:bookworm"];

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment podman-env.sh sets up (private storage and a runtime that works on these hosts). */
export function podmanEnv(): NodeJS.ProcessEnv {
  const dump = spawnSync("bash", ["-c", '. "$1" >/dev/null && env -0', "_", resolve(TOOLS, "podman-env.sh")], { encoding: "utf8" });
  if (dump.status !== 0) throw new Error(`podman-env.sh failed: ${dump.stderr}`);
  return Object.fromEntries(dump.stdout.split("\0").filter(Boolean).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}

export function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr: error && !stderr ? error.message : stderr });
    });
  });
}

const hasCommand = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

/** Why podman cannot run here at all, or undefined. Anything else missing is set up by the test itself. */
export function whyNoPodman(): string | undefined {
  if (process.platform !== "linux") return `podman needs Linux (this is ${process.platform})`;
  if (!existsSync(resolve(TOOLS, "stand-in-images.sh"))) return `no container tools at ${TOOLS} (set ZOO_CONTAINER_TOOLS)`;
  if (!hasCommand("podman") && process.getuid?.() !== 0) return "podman is not installed, and installing it needs root (apt-get install podman)";
  return undefined;
}

/** Podman, the stand-in base images (made once per machine, a minute or two), then the image built from ROOT. */
export async function buildImage(image: string, env: NodeJS.ProcessEnv): Promise<void> {
  const baseImages = async () => (await Promise.all(BASE_IMAGES.map((base) => run("podman", ["image", "exists", base], env)))).every((r) => r.code === 0);
  if (!hasCommand("podman") || !(await baseImages())) {
    const setup = await run(resolve(TOOLS, "stand-in-images.sh"), [], env, 15 * 60_000);
    assert.equal(setup.code, 0, `stand-in-images.sh failed:\n${setup.stdout}${setup.stderr}`);
  }
  // Behind a TLS-intercepting proxy, npm inside the build needs the machine's CA bundle: a build secret, never a layer.
  const ca = [process.env.NODE_EXTRA_CA_CERTS, "/etc/ssl/certs/ca-certificates.crt"].find((file) => file && existsSync(file));
  const secret = ca ? ["--secret", `id=ca-certificates,src=${ca}`] : [];
  // --format docker keeps the HEALTHCHECK (the OCI format has none).
  const build = await run("podman", ["build", "--pull=never", "--isolation=chroot", "--format", "docker", ...secret, "-t", image, ROOT], env, 15 * 60_000);
  assert.equal(build.code, 0, `podman build failed:\n${build.stdout.slice(-4000)}${build.stderr.slice(-4000)}`);
}
