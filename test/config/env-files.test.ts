// `envFile` at the top level and per app: real files in temp dirs, the precedence the README states, `${VAR}` from
// the top-level file, the files a load read, errors that name the file, and a real zoo whose app sees the result.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { summarize } from "../../src/config/summary.ts";
import type { Config } from "../../src/config/types.ts";
import { ConfigError, formatConfigPath, type ConfigProblem } from "../../src/errors.ts";
import { CLI, ROOT, startZoo, stopZoo } from "../helpers/zoo-process.ts";
import { describeProblems, tempTree } from "./helpers.ts";

const SERVER = path.join(ROOT, "fixtures/supervisor/server.js");

/** Loads `dir/zoo.config.json` as `zoo start` would, with `env` as zoo's own environment. */
function load(dir: string, env: Record<string, string> = {}): Promise<Config> {
  return loadConfig({ configPath: path.join(dir, "zoo.config.json"), cwd: ROOT, env });
}

async function problemsOf(dir: string, env: Record<string, string> = {}): Promise<ConfigProblem[]> {
  const error = await load(dir, env).then(
    () => assert.fail("expected the config to be rejected"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  assert.equal(error.exitCode, 2);
  return error.problems;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const appEnv = (config: Config, name: string) => config.apps.find((app) => app.name === name)!.env;

test("an app's variables: top-level envFile < the app's envFile (a later file in the list wins) < the app's env", async (t) => {
  const dir = tempTree(t, {
    ".env": "A=top\nB=top\nC=top\nD=top\n",
    "node.env": "B=node\nC=node\n",
    "node.local.env": "# the last file wins\nC=node-local\nE=node-local\n",
    "zoo.config.json": json({
      envFile: ".env",
      apps: {
        node: { command: "node main.js", envFile: ["node.env", "node.local.env"], env: { D: "env", F: 5 } },
        python: { command: "python main.py" },
      },
    }),
  });
  const config = await load(dir);
  assert.deepEqual(appEnv(config, "node"), { A: "top", B: "node", C: "node-local", D: "env", E: "node-local", F: "5" });
  assert.deepEqual(appEnv(config, "python"), { A: "top", B: "top", C: "top", D: "top" });
});

test("envFile paths are relative to the config file, not to the working directory or the app's cwd; absolute ones too", async (t) => {
  const root = tempTree(t, {
    "conf/.env": "WHERE=next to the config\n",
    "conf/app/.env": "WHERE=in the app's cwd\n",
    ".env": "WHERE=in the working directory\n",
    "elsewhere/abs.env": "ABSOLUTE=yes\n",
  });
  const dir = path.join(root, "conf");
  writeFileSync(
    path.join(dir, "zoo.config.json"),
    json({ apps: { web: { command: "web", cwd: "app", envFile: [".env", path.join(root, "elsewhere/abs.env")] } } }),
  );
  const config = await loadConfig({ configPath: path.join(dir, "zoo.config.json"), cwd: root, env: {} });
  assert.deepEqual(appEnv(config, "web"), { WHERE: "next to the config", ABSOLUTE: "yes" });
});

test("the top-level envFile feeds ${VAR}; where zoo's own environment has the variable too, zoo's wins", async (t) => {
  const dir = tempTree(t, {
    ".env": "NODE_PORT=9100\nGREETING=hello from .env\nMODE=from .env\n",
    "zoo.config.json": json({
      envFile: ".env",
      apps: { node: { command: "node main.js", port: "${NODE_PORT}", env: { SAY: "${GREETING}", RUN_MODE: "${MODE}", LEVEL: "${LEVEL:-info}" } } },
    }),
  });
  const config = await load(dir, { MODE: "from zoo's environment" });
  const node = config.apps[0];
  assert.equal(node.port, 9100);
  assert.equal(node.env.SAY, "hello from .env");
  assert.equal(node.env.RUN_MODE, "from zoo's environment");
  assert.equal(node.env.LEVEL, "info");
});

test("a PORT in the top-level envFile is not zoo's listen port: $PORT for the default listen is zoo's own", async (t) => {
  const dir = tempTree(t, { ".env": "PORT=3000\n", "zoo.config.json": json({ envFile: ".env", apps: { web: { command: "web" } } }) });
  assert.equal((await load(dir)).listen.port, 8000);
  assert.equal((await load(dir, { PORT: "4000" })).listen.port, 4000);
});

test("the envFile path itself may use ${VAR} from zoo's environment", async (t) => {
  const dir = tempTree(t, { "prod.env": "STAGE=prod\n", "zoo.config.json": json({ envFile: "${STAGE:-dev}.env", apps: { web: { command: "web" } } }) });
  assert.deepEqual(appEnv(await load(dir, { STAGE: "prod" }), "web"), { STAGE: "prod" });
});

test("an envFile path with an unset ${VAR} is reported once, as the unset variable", async (t) => {
  const dir = tempTree(t, { "zoo.config.json": json({ envFile: "${STAGE}.env", apps: { web: { command: "web", envFile: ["web.${STAGE}.env"] } } }) });
  assert.equal(
    describeProblems(await problemsOf(dir)),
    [
      "envFile: variable ${STAGE} is not set and has no default (set it, or write ${STAGE:-default})",
      "apps.web.envFile[0]: variable ${STAGE} is not set and has no default (set it, or write ${STAGE:-default})",
    ].join("\n"),
  );
});

test("an app's own envFile does not feed ${VAR}", async (t) => {
  const dir = tempTree(t, {
    "web.env": "SECRET=s3cret\n",
    "zoo.config.json": json({ apps: { web: { command: "web --token ${SECRET}", envFile: "web.env" } } }),
  });
  assert.equal(describeProblems(await problemsOf(dir)), "apps.web.command: variable ${SECRET} is not set and has no default (set it, or write ${SECRET:-default})");
});

test("config.envFiles lists every file read, absolute and once, in order; zoo validate shows them", async (t) => {
  const dir = tempTree(t, {
    ".env": "A=1\n",
    "shared.env": "B=2\n",
    "node.env": "C=3\n",
    "zoo.config.json": json({
      envFile: [".env", "shared.env"],
      apps: { node: { command: "node", envFile: ["node.env", "shared.env"] }, go: { command: "go", envFile: "./node.env" }, py: { command: "py" } },
    }),
  });
  const config = await load(dir);
  assert.deepEqual(config.envFiles, [path.join(dir, ".env"), path.join(dir, "shared.env"), path.join(dir, "node.env")]);
  assert.match(summarize(config), /^listen 0\.0\.0\.0:8000\nenv files \.env, shared\.env, node\.env\n/m);
});

test("two loads of unchanged files give equal environments; a changed file changes the apps that read it, only them", async (t) => {
  const dir = tempTree(t, {
    ".env": "SHARED=1\n",
    "node.env": "COLOR=blue\n",
    "zoo.config.json": json({ envFile: ".env", apps: { node: { command: "node", envFile: "node.env" }, go: { command: "go" } } }),
  });
  const first = await load(dir);
  const again = await load(dir);
  assert.deepEqual(again.apps, first.apps);

  writeFileSync(path.join(dir, "node.env"), "COLOR=green\n");
  const changed = await load(dir);
  assert.notDeepEqual(appEnv(changed, "node"), appEnv(first, "node"));
  assert.deepEqual(appEnv(changed, "node"), { SHARED: "1", COLOR: "green" });
  assert.deepEqual(appEnv(changed, "go"), appEnv(first, "go"));
});

test("a missing or unreadable envFile is a config error naming the file and its path in the config, with every other problem", async (t) => {
  const dir = tempTree(t, {
    "node.env": "A=1\n",
    "a-directory/.keep": "",
    "zoo.config.json": json({
      envFile: "missing.env",
      apps: {
        node: { command: "node", port: 9100, envFile: ["node.env", "node.local.env"] },
        go: { command: "go", port: 9100, envFile: "a-directory", enviroment: {} },
      },
    }),
  });
  const problems = await problemsOf(dir);
  const lines = describeProblems(problems);
  for (const expected of [
    `envFile: env file not found: ${path.join(dir, "missing.env")} (envFile paths are relative to the config file)`,
    `apps.node.envFile[1]: env file not found: ${path.join(dir, "node.local.env")}`,
    `apps.go.envFile: env file ${path.join(dir, "a-directory")} is a directory`,
    "apps.go: unknown key `enviroment` — did you mean `env`?",
    "apps.go.port: port 9100 is already used by app `node`",
  ]) {
    assert.ok(lines.includes(expected), `missing "${expected}" in:\n${lines}`);
  }
  const fileProblems = problems.filter((p) => p.code === "ZOO_ERR_CONFIG_ENV_FILE").map((p) => formatConfigPath(p.path));
  assert.deepEqual(fileProblems, ["envFile", "apps.node.envFile[1]", "apps.go.envFile"]);
});

test("an envFile of the wrong type is reported by the schema, and not read", async (t) => {
  const dir = tempTree(t, { "zoo.config.json": json({ envFile: 5, apps: { web: { command: "web", envFile: ["ok.env", ""] } } }) });
  const lines = describeProblems(await problemsOf(dir)).split("\n");
  assert.deepEqual(lines.sort(), [
    `apps.web.envFile[0]: env file not found: ${path.join(dir, "ok.env")} (envFile paths are relative to the config file)`,
    'apps.web.envFile[1]: expected a non-empty string, found ""',
    "envFile: expected a string or an array, found 5",
  ]);
});

test("zoo validate exits 2 naming a missing envFile; a file zoo's user may not read is named too", async (t) => {
  const dir = tempTree(t, {
    "secret.env": "TOKEN=x\n",
    "zoo.config.json": json({ apps: { web: { command: "web", envFile: ["secret.env", "gone.env"] } } }),
  });
  const validate = (prefix: string[] = []) => {
    const argv = [...prefix, process.execPath, CLI, "validate", "--config", path.join(dir, "zoo.config.json")];
    return spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  };
  const missing = validate();
  assert.equal(missing.status, 2, missing.stderr);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, new RegExp(`apps\\.web\\.envFile\\[1\\]: env file not found: ${escape(path.join(dir, "gone.env"))}`));

  // Permissions do not bind root: as root, zoo runs as nobody (setpriv, from util-linux) for this part.
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  chmodSync(dir, 0o755);
  chmodSync(path.join(dir, "zoo.config.json"), 0o644);
  chmodSync(path.join(dir, "secret.env"), asRoot ? 0o600 : 0o000);
  const denied = validate(prefix);
  assert.equal(denied.status, 2, denied.stderr);
  assert.match(denied.stderr, new RegExp(`apps\\.web\\.envFile\\[0\\]: cannot read env file ${escape(path.join(dir, "secret.env"))}: permission denied`));
});

test("a real zoo: the app sees zoo's environment < top-level envFile < its envFile < its env < PORT", async (t) => {
  const names = ["ZOO_ONLY", "TOP_ONLY", "OVER_ZOO", "OVER_TOP", "OVER_APP_FILE", "PORT"];
  const dir = tempTree(t, {
    ".env": "TOP_ONLY=top\nOVER_ZOO=top\nOVER_TOP=top\nOVER_APP_FILE=top\nPORT=1\n",
    "web.env": "OVER_TOP=app-file\nOVER_APP_FILE=app-file\nPORT=2\n",
    "zoo.config.json": json({
      envFile: ".env",
      apps: { web: { command: [process.execPath, SERVER], envFile: "web.env", env: { OVER_APP_FILE: "env", PORT: "3", PRINT_ENV: names.join(",") } } },
      routes: { "/": "web" },
    }),
  });
  const zoo = startZoo(["start", "--config", path.join(dir, "zoo.config.json"), "--listen", "127.0.0.1:0"], {
    env: { ZOO_ONLY: "zoo", OVER_ZOO: "zoo", OVER_TOP: "zoo", OVER_APP_FILE: "zoo" },
  });
  t.after(() => stopZoo(zoo));
  const listening = await zoo.waitFor(/web \| listening on \d+/);
  const seen = (name: string) => new RegExp(`web \\| env ${name}=(.*)`).exec(zoo.output())?.[1];
  assert.equal(seen("ZOO_ONLY"), "zoo");
  assert.equal(seen("TOP_ONLY"), "top");
  assert.equal(seen("OVER_ZOO"), "top");
  assert.equal(seen("OVER_TOP"), "app-file");
  assert.equal(seen("OVER_APP_FILE"), "env");
  const port = /\d+$/.exec(listening)![0];
  assert.equal(seen("PORT"), port);
  assert.notEqual(port, "3");
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
