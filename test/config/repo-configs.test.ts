// Every config in the repository validates, and the committed JSON Schema matches the zod schema.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { glob, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, type TestContext } from "node:test";
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
  test(`${path.relative(ROOT, file)} validates`, async (t) => {
    const env = { ...process.env };
    delete env.PORT;
    const config = await loadConfig({ configPath: asInItsImage(t, file), env });
    assert.ok(config.apps.length > 0);
  });
}

/** A test image's config, where its Dockerfile puts it: in /app beside the repository's fixtures/. Others: as is. */
function asInItsImage(t: TestContext, file: string): string {
  if (!path.relative(ROOT, file).startsWith("test/container/images/")) return file;
  const app = mkdtempSync(path.join(tmpdir(), "zoo-image-app-"));
  t.after(() => rmSync(app, { recursive: true, force: true }));
  copyFileSync(file, path.join(app, "zoo.config.json"));
  symlinkSync(path.join(ROOT, "fixtures"), path.join(app, "fixtures"));
  return path.join(app, "zoo.config.json");
}

test("zoo.schema.json is the committed output of `zoo schema` (run `npm run schema` when this fails)", async () => {
  const committed = await readFile(path.join(ROOT, "zoo.schema.json"), "utf8");
  const generated = execFileSync(process.execPath, [path.join(ROOT, "src/cli.ts"), "schema"], { encoding: "utf8" });
  assert.equal(committed, generated);
  const schema = JSON.parse(committed) as { properties: Record<string, unknown>; additionalProperties: unknown };
  assert.deepEqual(Object.keys(schema.properties).slice(0, 4), ["$schema", "listen", "apps", "routes"]);
  assert.equal(schema.additionalProperties, false, "unknown keys are errors for editors too");
});
