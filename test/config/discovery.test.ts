// Finding and parsing the config file: cosmiconfig search, --config, ZOO_CONFIG, syntax errors with line and column.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";
import { tempTree } from "./helpers.ts";

const APP = JSON.stringify({ apps: { web: { command: "node server.js" } }, routes: { "/": "web" } });

async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<ConfigError> {
  try {
    await loadConfig(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected loadConfig to fail");
}

test("finds zoo.config.json searching up from a nested directory to the project root", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "zoo.config.json": APP, "src/deep/er/": "" });
  const config = await loadConfig({ cwd: path.join(root, "src/deep/er"), env: {} });
  assert.equal(config.file, path.join(root, "zoo.config.json"));
  assert.equal(config.apps[0].cwd, root, "cwd defaults to the config file's directory, not the working directory");
});

test("does not search above the project root", async (t) => {
  const root = tempTree(t, { "zoo.config.json": APP, "project/package.json": "{}" });
  const error = await loadError({ cwd: path.join(root, "project"), env: {} });
  assert.equal(error.code, "ZOO_ERR_CONFIG_NOT_FOUND");
});

for (const [name, content] of [
  ["zoo.config.yaml", "apps:\n  web:\n    command: node server.js\n"],
  ["zoo.config.yml", "apps: { web: { command: node server.js } }\n"],
  [".zoorc.json", APP],
  ["package.json", JSON.stringify({ name: "x", zoo: JSON.parse(APP) })],
] as const) {
  test(`finds ${name}`, async (t) => {
    const root = tempTree(t, { [name]: content, ...(name === "package.json" ? {} : { "package.json": "{}" }) });
    const config = await loadConfig({ cwd: root, env: {} });
    assert.equal(config.file, path.join(root, name));
    assert.deepEqual(config.apps[0].command, ["node", "server.js"]);
  });
}

test("zoo.config.json wins over the other names in the same directory", async (t) => {
  const root = tempTree(t, { "package.json": JSON.stringify({ zoo: {} }), "zoo.config.json": APP, "zoo.config.yaml": "apps: {}\n" });
  assert.equal((await loadConfig({ cwd: root, env: {} })).file, path.join(root, "zoo.config.json"));
});

test("a package.json without a zoo key is skipped", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "sub/package.json": '{"name":"sub"}', "sub/x/": "" });
  const error = await loadError({ cwd: path.join(root, "sub/x"), env: {} });
  assert.equal(error.code, "ZOO_ERR_CONFIG_NOT_FOUND");
});

test("--config over ZOO_CONFIG over the search; both relative to the working directory", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "zoo.config.json": APP, "a.zoo.json": APP, "conf/b.yaml": "apps: {}\n" });
  assert.equal((await loadConfig({ cwd: root, env: { ZOO_CONFIG: "conf/b.yaml" } })).file, path.join(root, "conf/b.yaml"));
  assert.equal((await loadConfig({ cwd: root, configPath: "a.zoo.json", env: { ZOO_CONFIG: "conf/b.yaml" } })).file, path.join(root, "a.zoo.json"));
});

test("a missing --config file or ZOO_CONFIG file is named", async (t) => {
  const root = tempTree(t, { "package.json": "{}" });
  const error = await loadError({ cwd: root, configPath: "nope.json", env: {} });
  assert.equal(error.code, "ZOO_ERR_CONFIG_NOT_FOUND");
  assert.equal(error.exitCode, 2);
  assert.equal(error.message, `config file not found: ${path.join(root, "nope.json")}`);
  const fromEnv = await loadError({ cwd: root, env: { ZOO_CONFIG: "gone.yaml" } });
  assert.equal(fromEnv.message, `config file not found: ${path.join(root, "gone.yaml")} (from ZOO_CONFIG)`);
});

test("no config found: says where it looked and how to start", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "a/b/": "" });
  const error = await loadError({ cwd: path.join(root, "a/b"), env: {} });
  assert.equal(error.code, "ZOO_ERR_CONFIG_NOT_FOUND");
  assert.match(error.message, /^no zoo config found\./);
  assert.ok(error.message.includes("zoo.config.json, zoo.config.yaml, zoo.config.yml, .zoorc.json or a \"zoo\" key in package.json"));
  for (const dir of [path.join(root, "a/b"), path.join(root, "a"), root]) assert.ok(error.message.includes(`\n  ${dir}\n`), `lists ${dir}`);
  assert.match(error.message, /To start, create zoo\.config\.json/);
  assert.match(error.message, /--config PATH/);
});

const syntaxCases: Array<{ name: string; file: string; content: string; line: number; column: number; message: string }> = [
  { name: "a trailing comma in JSON", file: "zoo.config.json", content: '{\n  "apps": {},\n}\n', line: 3, column: 1, message: "invalid JSON: Expected double-quoted property name" },
  { name: "a missing comma in JSON", file: "zoo.config.json", content: '{\n  "listen": 8000\n  "apps": {}\n}', line: 3, column: 3, message: "invalid JSON: Expected ',' or '}' after property value" },
  { name: "a bad literal in JSON", file: "zoo.config.json", content: '{\n  "accessLog": tru\n}', line: 2, column: 19, message: "invalid JSON: Unexpected token" },
  { name: "truncated JSON", file: "zoo.config.json", content: '{\n  "apps": {\n', line: 2, column: 12, message: "invalid JSON: Expected property name or '}'" },
  { name: "JSON cut off mid-string", file: "zoo.config.json", content: '{\n  "apps": {"web', line: 2, column: 16, message: "invalid JSON: Unterminated string" },
  { name: "bad indentation in YAML", file: "zoo.config.yaml", content: "apps:\n  web:\n    command: x\n   port: 9000\n", line: 4, column: 1, message: "invalid YAML: All mapping items must start at the same column" },
  { name: "an unclosed flow list in YAML", file: "zoo.config.yml", content: "apps:\n  web:\n    command: [node, main.js\n", line: 4, column: 1, message: "invalid YAML: Flow sequence in block collection must be sufficiently indented" },
  { name: "a tab in YAML indentation", file: "zoo.config.yaml", content: "apps:\n\tweb: {}\n", line: 2, column: 1, message: "invalid YAML: " },
];

for (const c of syntaxCases) {
  test(`reports the line and column of ${c.name}`, async (t) => {
    const root = tempTree(t, { "package.json": "{}", [c.file]: c.content });
    const error = await loadError({ cwd: root, env: {} });
    assert.equal(error.code, "ZOO_ERR_CONFIG_SYNTAX");
    const [problem] = error.problems;
    assert.ok(problem.message.startsWith(c.message), problem.message);
    assert.deepEqual([problem.line, problem.column], [c.line, c.column]);
    assert.ok(error.message.includes(`${path.join(root, c.file)}:${c.line}:${c.column}: ${c.message}`), error.message);
  });
}

test("an empty config file is reported, not skipped", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "zoo.config.json": "  \n" });
  const error = await loadError({ cwd: root, env: {} });
  assert.equal(error.file, path.join(root, "zoo.config.json"));
  assert.match(error.message, /the config is empty/);
});

test("a bad value in a found file names that file", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "zoo.config.yaml": "apps:\n  web:\n    command: 5\n" });
  const error = await loadError({ cwd: root, env: {} });
  assert.equal(error.file, path.join(root, "zoo.config.yaml"));
  assert.match(error.message, new RegExp(`^invalid config ${path.join(root, "zoo.config.yaml")} \\(1 problem\\):\n  apps\\.web\\.command: expected a string or an array, found 5$`));
});

test("environment variables come from the env option", async (t) => {
  const root = tempTree(t, { "package.json": "{}", "zoo.config.json": '{ "listen": "${LISTEN}" }' });
  assert.deepEqual((await loadConfig({ cwd: root, env: { LISTEN: "127.0.0.1:1234" } })).listen, { host: "127.0.0.1", port: 1234 });
});
