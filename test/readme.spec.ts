// The README's config reference follows the schema: every field the schema knows is documented.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ConfigSchema } from "../src/config/schema.ts";

const ROOT = join(import.meta.dirname, "..");

function fieldNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) fieldNames(item, into);
  } else if (schema && typeof schema === "object") {
    const node = schema as Record<string, unknown>;
    if (node.properties && typeof node.properties === "object") {
      for (const key of Object.keys(node.properties)) into.add(key);
    }
    for (const value of Object.values(node)) fieldNames(value, into);
  }
  return into;
}

test("the README documents every config field", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const reference = readme.slice(readme.indexOf("## Config reference"));
  assert.ok(reference.length > 100, "README has a '## Config reference' section");
  const missing = [...fieldNames(z.toJSONSchema(ConfigSchema, { io: "input" }))].filter(
    (name) => name !== "$schema" && !reference.includes(`\`${name}\``),
  );
  assert.deepEqual(missing, [], "fields missing from the README's config reference");
});
