// `zoo export`, run for real. The root zoo.config.json exported to compose and run with Debian's docker-compose on
// Debian's Docker engine: the seed's transcript through the front zoo, every service healthy, exit 0 on stop. And the
// exported Deployments played with `podman kube play`: each app runs and answers `zoo probe` inside its pod.
// The engines and their limits on these machines: ../shared/container/README.md.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { checkSeedRoutes, waitFor200 } from "../e2e/seed-checks.ts";
import { freePort } from "../helpers/zoo-process.ts";
import { runZoo } from "../helpers/run-zoo.ts";
import { buildImage, podmanEnv, run, TOOLS, whyNoPodman } from "./tools.ts";

const IMAGE = "localhost/zoo-export-test:latest";
const APPS = ["python", "node", "go"];
/** Debian's docker CLI (20.10), matching Debian's engine; a newer one may be first on PATH. */
const DOCKER = existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

function skipUnlessPodman(t: TestContext): boolean {
  const reason = whyNoPodman();
  if (!reason) return false;
  if (process.env.CI) assert.fail(`CI must run the container tests: ${reason}`);
  t.skip(reason);
  return true;
}

let built: Promise<NodeJS.ProcessEnv> | undefined;
/** The image, built once for both tests; resolves to podman's environment. */
function image(): Promise<NodeJS.ProcessEnv> {
  built ??= (async () => {
    const env = { ...process.env, ...podmanEnv() };
    await buildImage(IMAGE, env);
    return env;
  })();
  return built;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "zoo-export-run-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function must(result: { code: number | null; stdout: string; stderr: string }, what: string): string {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/**
 * Debian's Docker engine: the one this test finds running, or one it starts. `stop` stops the one it started, to
 * be called after the project is down (after-hooks run in the order they were added).
 */
async function dockerEngine(): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<unknown> }> {
  const script = resolve(TOOLS, "docker-engine.sh");
  const socket = `unix://${process.env.ZOO_DOCKER_DIR ?? "/tmp/zoo-docker"}/docker.sock`;
  const running = existsSync("/usr/bin/dockerd") && (await run(DOCKER, ["info"], { ...process.env, DOCKER_HOST: socket }, 20_000)).code === 0;
  if (!running) {
    const started = must(await run(script, ["start"], process.env, 10 * 60_000), "docker-engine.sh start");
    const host = /DOCKER_HOST=(\S+)/.exec(started)?.[1];
    assert.ok(host, `docker-engine.sh printed no DOCKER_HOST: ${started}`);
    return { env: { ...process.env, DOCKER_HOST: host }, stop: () => run(script, ["stop"], process.env) };
  }
  return { env: { ...process.env, DOCKER_HOST: socket }, stop: async () => {} };
}

const PROJECT_PREFIX = "zooexport";

/** Removes the containers and networks of the compose projects `which` picks, by compose's labels (no compose file needed). */
async function removeProjects(docker: NodeJS.ProcessEnv, which: (project: string) => boolean): Promise<void> {
  const label = "com.docker.compose.project";
  const listed = must(await run(DOCKER, ["ps", "--all", "--filter", `label=${label}`, "--format", `{{.ID}} {{.Label "${label}"}}`], docker), "docker ps");
  const containers = listed.trim().split("\n").filter(Boolean).map((line) => line.split(" ")).filter(([, project]) => which(project)).map(([id]) => id);
  if (containers.length > 0) must(await run(DOCKER, ["rm", "--force", "--volumes", ...containers], docker, 5 * 60_000), "docker rm");
  const networks = must(await run(DOCKER, ["network", "ls", "--filter", `label=${label}`, "--format", `{{.ID}} {{.Label "${label}"}}`], docker), "docker network ls");
  const ids = networks.trim().split("\n").filter(Boolean).map((line) => line.split(" ")).filter(([, project]) => which(project)).map(([id]) => id);
  if (ids.length > 0) must(await run(DOCKER, ["network", "rm", ...ids], docker), "docker network rm");
}

test("the exported compose project runs on Docker: the seed's transcript through the front zoo, every service healthy, exit 0 on stop", { timeout: 30 * 60_000 }, async (t) => {
  if (skipUnlessPodman(t)) return;
  const podman = await image();
  const engine = await dockerEngine();
  const docker = engine.env;

  // No registry here: the image goes from podman to Docker.
  must(await run("sh", ["-c", `podman save ${IMAGE} | ${DOCKER} load`], { ...podman, DOCKER_HOST: docker.DOCKER_HOST }, 10 * 60_000), "podman save | docker load");

  // Every service is `restart: always`: a project left behind comes back with the engine and loads the machine.
  await removeProjects(docker, (name) => name.startsWith(PROJECT_PREFIX));

  // The front publishes the port the config listens on: $PORT, a free one, keeps 8000 for whoever has it.
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "zoo-export-run-"));
  const project = `${PROJECT_PREFIX}${process.pid}`;
  // One hook, in this order: the project down while its compose file still exists, then the engine, then the files.
  t.after(async () => {
    await removeProjects(docker, (name) => name === project);
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  must(await runZoo(["export", "compose", "--image", IMAGE, "-o", dir], { env: { PORT: String(port) } }), "zoo export compose");
  const compose = (...args: string[]) => run("docker-compose", ["--project-name", project, "--project-directory", dir, "-f", join(dir, "compose.yaml"), ...args], docker, 5 * 60_000);
  const logs = async () => `compose logs:\n${(await compose("logs", "--no-color")).stdout.slice(-6000)}`;

  must(await compose("up", "--detach"), "docker-compose up");
  try {
    await waitFor200(port, ["/", "/node", "/go"], 300_000);
    await checkSeedRoutes(port);

    const containers = must(await compose("ps", "--quiet"), "docker-compose ps").trim().split("\n");
    assert.equal(containers.length, 4, "python, node, go and the front zoo");
    const health = async () => must(await run(DOCKER, ["inspect", "--format", "{{.Name}} {{.State.Health.Status}}", ...containers], docker), "docker inspect");
    const deadline = Date.now() + 120_000;
    let states = await health();
    while (!states.trim().split("\n").every((line) => line.endsWith(" healthy")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      states = await health();
    }
    if (!states.trim().split("\n").every((line) => line.endsWith(" healthy"))) {
      // What the health checks said, last few each: the reason a service is not healthy.
      const checks = must(await run(DOCKER, ["inspect", "--format", "{{.Name}} {{json .State.Health.Log}}", ...containers], docker), "docker inspect");
      assert.fail(`every service healthy:\n${states}\nhealth check logs:\n${checks.slice(-6000)}`);
    }

    must(await compose("stop", "--timeout", "10"), "docker-compose stop");
    const exits = must(await run(DOCKER, ["inspect", "--format", "{{.Name}} {{.State.ExitCode}}", ...containers], docker), "docker inspect");
    assert.ok(exits.trim().split("\n").every((line) => line.endsWith(" 0")), `every service stopped with exit code 0:\n${exits}`);
  } catch (error) {
    // A new error: the test reporter prints the stack, which an amended message would not change.
    throw new Error(`${(error as Error).message}\n${await logs()}`, { cause: error });
  }
});

test("the exported Deployments run with podman kube play, and each app answers zoo probe inside its pod", { timeout: 30 * 60_000 }, async (t) => {
  if (skipUnlessPodman(t)) return;
  const env = await image();
  const podman = (...args: string[]) => run("podman", args, env, 5 * 60_000);
  if ((await run("sh", ["-c", "command -v catatonit || test -x /usr/libexec/podman/catatonit"], env)).code !== 0) {
    must(await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", "catatonit"], env, 10 * 60_000), "apt-get install catatonit");
  }

  const dir = tempDir(t);
  must(await runZoo(["export", "kubernetes", "--image", IMAGE, "-o", dir]), "zoo export kubernetes");
  assert.deepEqual(readdirSync(dir).sort(), ["go.yaml", "httproutes.yaml", "node.yaml", "python.yaml", "zoo.yaml"]);

  for (const app of APPS) {
    // A Deployment's pod is named <deployment>-pod-0; --replace clears one a broken earlier run left.
    t.after(() => podman("pod", "rm", "--force", "--time", "0", `${app}-pod-0`));
    must(await podman("kube", "play", "--replace", join(dir, `${app}.yaml`)), `podman kube play ${app}.yaml`);
  }
  for (const app of APPS) {
    const [deployment] = parseAllDocuments(readFileSync(join(dir, `${app}.yaml`), "utf8"), { version: "1.1" }).map((doc) => doc.toJS());
    const pod = `${deployment.metadata.name}-pod-0`;
    const container = `${pod}-${deployment.spec.template.spec.containers[0].name}`;
    const state = must(await podman("inspect", container, "--format", "{{.State.Status}} {{.Config.WorkingDir}}"), `podman inspect ${container}`);
    assert.match(state, new RegExp(`^running /app/fixtures/${app}\\n`));
    // The app by name (its configured probe), from the config in the image, and the exported readiness check itself.
    const byName = await podman("exec", container, "zoo", "probe", "--config", "/app/zoo.config.json", app, "--wait", "90s");
    assert.equal(byName.code, 0, `zoo probe ${app} in its pod: ${byName.stdout}${byName.stderr}\n${(await podman("logs", container)).stderr}`);
    assert.match(byName.stdout, /: ok \(/);
    const port = deployment.spec.template.spec.containers[0].ports[0].containerPort;
    const byAddress = await podman("exec", container, "zoo", "probe", `tcp://127.0.0.1:${port}`);
    assert.equal(byAddress.code, 0, byAddress.stderr);
  }
});
