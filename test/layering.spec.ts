// The layering the README states, checked on the source: src/proxy and src/supervisor never import each other,
// neither imports zod or the config schema (they read the zod-free src/config/types.ts only), and src/config
// imports neither of them.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const SRC = path.join(import.meta.dirname, "..", "src");

/** Every module specifier a file imports: static imports and re-exports (type-only ones too) and dynamic import(). */
function importsOf(source: string): string[] {
  const statements = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/gm;
  return [...source.matchAll(statements)].map((m) => m[1] ?? m[2] ?? m[3]);
}

interface Edge {
  /** Paths relative to src/, e.g. "proxy/server.ts"; a package import is its name, e.g. "zod". */
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const from = path.relative(SRC, file);
    return importsOf(readFileSync(file, "utf8")).map((specifier) => ({
      from,
      to: specifier.startsWith(".") ? path.relative(SRC, path.resolve(path.dirname(file), specifier)) : packageName(specifier),
    }));
  });
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const layer = (file: string): string => (file.includes("/") ? file.split("/")[0] : file);

function violations(rule: (edge: Edge) => boolean): string[] {
  return edges()
    .filter(rule)
    .map((edge) => `${edge.from} imports ${edge.to}`);
}

test("the import reader sees every form of import", () => {
  const source = [
    'import { a } from "./a.ts";',
    "import type {",
    "  B,",
    "  C,",
    '} from "../config/schema.ts";',
    'export { d } from "./d.ts";',
    'export type { E } from "./e.ts";',
    'import "./side-effect.ts";',
    'import * as z from "zod/v4";',
    'const lazy = await import("./lazy.ts");',
    '// a comment that says something from "nowhere"',
  ].join("\n");
  assert.deepEqual(importsOf(source), ["./a.ts", "../config/schema.ts", "./d.ts", "./e.ts", "./side-effect.ts", "zod/v4", "./lazy.ts"]);
});

test("the source is read: the layers exist and import what the checks are about", () => {
  const all = edges();
  for (const dir of ["config", "proxy", "supervisor"]) assert.ok(all.some((e) => layer(e.from) === dir), `no imports read from src/${dir}`);
  assert.ok(all.some((e) => e.from === "config/schema.ts" && e.to === "zod"), "config/schema.ts imports zod");
  assert.ok(all.some((e) => e.from === "config/schema.ts" && e.to === "config/types.ts"), "config/schema.ts imports config/types.ts");
  assert.ok(all.some((e) => layer(e.from) === "supervisor" && e.to === "config/types.ts"), "the supervisor reads config/types.ts");
  assert.ok(all.some((e) => layer(e.from) === "proxy" && e.to === "config/types.ts"), "the proxy reads config/types.ts");
});

test("src/proxy and src/supervisor never import each other", () => {
  const crossing = violations(
    (e) => (layer(e.from) === "proxy" && layer(e.to) === "supervisor") || (layer(e.from) === "supervisor" && layer(e.to) === "proxy"),
  );
  assert.deepEqual(crossing, []);
});

test("src/proxy and src/supervisor import nothing of src/config but the zod-free types.ts, and never zod", () => {
  const bad = violations(
    (e) => ["proxy", "supervisor"].includes(layer(e.from)) && (e.to === "zod" || (layer(e.to) === "config" && e.to !== "config/types.ts")),
  );
  assert.deepEqual(bad, []);
});

test("src/config never imports src/proxy or src/supervisor", () => {
  assert.deepEqual(
    violations((e) => layer(e.from) === "config" && ["proxy", "supervisor"].includes(layer(e.to))),
    [],
  );
});

test("src/config/types.ts imports nothing, so reading the config's types never pulls in zod", () => {
  assert.deepEqual(
    violations((e) => e.from === "config/types.ts"),
    [],
  );
});

test("zod is imported only in src/config: the rest of zoo reads configs that are already checked", () => {
  assert.deepEqual(
    violations((e) => e.to === "zod" && layer(e.from) !== "config"),
    [],
  );
});
