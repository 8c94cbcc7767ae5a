// `npm run build:native` (and the start of `npm run build` and `npm test`): native/malloc-trim.c, zoo's Node-API
// addon that calls glibc's malloc_trim(0), compiled with the system C compiler into
// native/build/malloc-trim-<platform>-<arch>.node, where src/malloc-trim.ts loads it from.
//
// No node-gyp: it would download Node's headers, which the npm package node-api-headers already carries. Linux only.
// Without a C compiler (or when the compile fails) zoo runs without returning freed malloc memory: one line on
// stderr, and the build goes on (exit code 0).
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
export const NATIVE_SOURCE = resolve(ROOT, "native/malloc-trim.c");

/** Where the addon for `arch` goes (src/malloc-trim.ts loads it from there; build-binary embeds it). */
export const nativeOutput = (arch: string = process.arch) => resolve(ROOT, `native/build/malloc-trim-linux-${arch}.node`);

/** GNU cross compilers by Node's arch name, for a single executable built for another arch. */
const CROSS: Record<string, string> = { x64: "x86_64-linux-gnu-gcc", arm64: "aarch64-linux-gnu-gcc" };

/**
 * Compiles the addon for `arch` (this machine's by default, with `$CC` or `cc`; another arch with its GNU cross
 * compiler). Returns the .node file's path, or undefined after one line on stderr saying why zoo will run without it.
 * Skips the compile when the output is newer than the source.
 */
export function buildNative(arch: string = process.arch): string | undefined {
  if (process.platform !== "linux") return undefined;
  const output = nativeOutput(arch);
  const without = (why: string) => {
    process.stderr.write(`build-native: ${why}: zoo will run without returning freed malloc memory to the system (malloc_trim)\n`);
    return undefined;
  };
  try {
    if (statSync(output).mtimeMs > statSync(NATIVE_SOURCE).mtimeMs) return output;
  } catch {}
  let include: string;
  try {
    include = (createRequire(import.meta.url)("node-api-headers") as { include_dir: string }).include_dir;
  } catch {
    return without("no node-api-headers package (npm ci installs it)");
  }
  const compiler = arch === process.arch ? (process.env.CC ?? "cc") : CROSS[arch];
  if (!compiler) return without(`no C compiler known for ${arch}`);
  mkdirSync(resolve(output, ".."), { recursive: true });
  // Written beside and renamed, so that a parallel build never loads a half-written file.
  const partial = `${output}.${process.pid}.tmp`;
  const compiled = spawnSync(compiler, ["-O2", "-shared", "-fPIC", "-I", include, "-o", partial, NATIVE_SOURCE], { encoding: "utf8" });
  if (compiled.error || compiled.status !== 0) {
    rmSync(partial, { force: true });
    const lines = (compiled.stderr ?? "").trim().split("\n");
    const detail = compiled.error ? `no ${compiler}` : `${compiler} failed (${lines.find((line) => line.includes("error")) ?? lines[0]})`;
    return without(detail);
  }
  renameSync(partial, output);
  process.stdout.write(`build-native: ${relative(ROOT, output)}\n`);
  return output;
}

if (import.meta.main) buildNative();
