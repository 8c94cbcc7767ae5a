// The README's config reference follows the schema: every field the schema knows is documented.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
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

test("the README and docs point at nothing outside the repository, and name the package as npm knows it", () => {
  const { name } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string };
  for (const file of ["README.md", ...readdirSync(join(ROOT, "docs")).map((doc) => `docs/${doc}`)]) {
    const text = readFileSync(join(ROOT, file), "utf8");
    // A relative path in a link or in backticks, resolved from the file's own directory.
    const paths = [...text.matchAll(/(?:\]\(|`)(\.\.\/[^)`\s]*)/g)].map((match) => match[1]);
    const outside = paths.filter((target) => relative(ROOT, resolve(ROOT, dirname(file), target)).startsWith(".."));
    assert.deepEqual(outside, [], `${file} points outside the repository`);
    assert.ok(!text.includes("node_modules/zoo/"), `${file} names node_modules/zoo/ but the package is ${name}`);
  }
});

test("the repository has the LICENSE package.json names", () => {
  const { license } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { license: string };
  assert.equal(license, "MIT");
  const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
  assert.match(text, /^MIT License\n\nCopyright \(c\) \d{4} zoo contributors\n/);
});
