// The error catalog in src/errors.ts is complete: every code is documented and used, every code used is listed.
import assert from "node:assert/strict";
import { glob, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, ERROR_CODES, ZooError, formatConfigPath } from "../../src/errors.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function sourcesOutsideTheCatalog(): Promise<string> {
  let text = "";
  for await (const file of glob("src/**/*.ts", { cwd: ROOT })) {
    if (file !== path.join("src", "errors.ts")) text += await readFile(path.join(ROOT, file), "utf8");
  }
  return text;
}

test("every code has a description and an exit code, and is used in the source", async () => {
  const source = await sourcesOutsideTheCatalog();
  for (const [code, entry] of Object.entries(ERROR_CODES)) {
    assert.ok(entry.description.length > 10, `${code} is described`);
    assert.ok(Number.isInteger(entry.exitCode) && entry.exitCode > 0, `${code} has an exit code`);
    assert.ok(source.includes(`"${code}"`), `${code} is used somewhere in src/`);
  }
});

test("every ZOO_ERR_ code used in the source is in the catalog", async () => {
  const source = await sourcesOutsideTheCatalog();
  const used = new Set(source.match(/ZOO_ERR_[A-Z_]+/g) ?? []);
  for (const code of used) assert.ok(code in ERROR_CODES, `${code} is in src/errors.ts`);
});

test("ZooError carries its code and exit code; ConfigError its file and problems", () => {
  const error = new ZooError("ZOO_ERR_USAGE", "bad flag");
  assert.equal(error.code, "ZOO_ERR_USAGE");
  assert.equal(error.exitCode, 2);
  const config = new ConfigError("/x/zoo.config.json", [{ code: "ZOO_ERR_CONFIG_URL", path: ["routes", "/g", "redirect"], message: "expected a URL" }]);
  assert.ok(config instanceof ZooError);
  assert.equal(config.code, "ZOO_ERR_CONFIG_URL");
  assert.equal(config.message, 'invalid config /x/zoo.config.json (1 problem):\n  routes["/g"].redirect: expected a URL');
});

test("JSON paths read like the file", () => {
  assert.equal(formatConfigPath([]), "(root)");
  assert.equal(formatConfigPath(["apps", "node", "command", 1]), "apps.node.command[1]");
  assert.equal(formatConfigPath(["apps", "my-app.v2"]), 'apps["my-app.v2"]');
  assert.equal(formatConfigPath(["routes", "/node"]), 'routes["/node"]');
});
