// Every config in the repository validates, and the committed JSON Schema matches the zod schema.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { glob, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function repoConfigs(): Promise<string[]> {
  const found: string[] = [];
  const pattern = "**/{zoo.config.{json,yaml,yml},*.zoo.{json,yaml,yml}}";
  for await (const file of glob(pattern, { cwd: ROOT, exclude: (name) => path.basename(name) === "node_modules" || name === ".git" })) {
    found.push(path.join(ROOT, file));
  }
  return found.sort();
}

test("the repository's configs are discovered", async () => {
  const files = await repoConfigs();
  assert.ok(files.includes(path.join(ROOT, "zoo.config.json")), `found: ${files.join(", ")}`);
});

for (const file of await repoConfigs()) {
  test(`${path.relative(ROOT, file)} validates`, async () => {
    const env = { ...process.env };
    delete env.PORT;
    const config = await loadConfig({ configPath: file, env });
    assert.equal(config.file, file);
  });
}

test("zoo.schema.json is the committed output of `zoo schema` (run `npm run schema` when this fails)", async () => {
  const committed = await readFile(path.join(ROOT, "zoo.schema.json"), "utf8");
  const generated = execFileSync(process.execPath, [path.join(ROOT, "src/cli.ts"), "schema"], { encoding: "utf8" });
  assert.equal(committed, generated);
  const schema = JSON.parse(committed) as { properties: Record<string, unknown>; additionalProperties: unknown };
  assert.deepEqual(Object.keys(schema.properties).slice(0, 4), ["$schema", "listen", "apps", "routes"]);
  assert.equal(schema.additionalProperties, false, "unknown keys are errors for editors too");
});
