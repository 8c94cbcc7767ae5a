// zoo's malloc_trim addon (native/malloc-trim.c, scripts/build-native.ts, src/malloc-trim.ts): it builds, it returns
// freed malloc memory to the system in a real process, a missing one leaves zoo without it (no throw), and the
// single executable loads it from its embedded asset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
// @ts-expect-error postject ships no types: inject(file, resourceName, data, { sentinelFuse })
import { inject } from "postject";
import { buildNative, nativeOutput } from "../../scripts/build-native.ts";
import { loadTrim, MALLOC_TRIM_ASSET } from "../../src/malloc-trim.ts";
import { ROOT } from "../helpers/zoo-process.ts";
import { SEA_BUNDLE_OPTIONS } from "../../scripts/sea-modules.ts";

const MODULE = pathToFileURL(join(ROOT, "src/malloc-trim.ts")).href;
const glibc = process.platform === "linux" && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
const notGlibc = glibc ? false : `malloc_trim is glibc's, and this is ${process.platform} without glibc`;

/** Runs `code` as an ES module in a child Node; its last stdout line is JSON. */
function child(code: string, flags: string[] = []): Record<string, unknown> {
  const run = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

test("the addon builds with the system C compiler, and trimMalloc() in a child Node returns a boolean", { skip: process.platform !== "linux" && "the addon is built on Linux only" }, () => {
  assert.equal(buildNative(), nativeOutput(), "scripts/build-native.ts built the addon (is there a `cc`?)");
  const answer = child(`import { trimMalloc, mallocTrimAvailable } from ${JSON.stringify(MODULE)};
    const first = trimMalloc();
    console.log(JSON.stringify({ first, second: trimMalloc(), available: mallocTrimAvailable() }));`);
  assert.equal(typeof answer.first, "boolean");
  assert.equal(typeof answer.second, "boolean");
  assert.equal(answer.available, true, "the addon loaded");
});

test("trimMalloc() returns freed malloc memory that glibc kept below live chunks", { skip: notGlibc }, (t) => {
  buildNative();
  // 2,000 buffers of 40 KiB (under glibc's mmap threshold: malloc'd from the heap), every 50th kept: the freed ones
  // sit between live chunks, where glibc's own trim of the heap's top cannot return them.
  const answer = child(
    `import { trimMalloc } from ${JSON.stringify(MODULE)};
    import { readFileSync } from "node:fs";
    import { setTimeout } from "node:timers/promises";
    const rssAnon = () => Number(/RssAnon:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
    const all = [];
    for (let i = 0; i < 2000; i++) all.push(Buffer.allocUnsafeSlow(40 * 1024).fill(1));
    const kept = all.filter((_, i) => i % 50 === 0 || i === all.length - 1);
    all.length = 0;
    globalThis.gc();
    await setTimeout(200);
    globalThis.gc();
    const before = rssAnon();
    const released = trimMalloc();
    const after = rssAnon();
    console.log(JSON.stringify({ before, after, released, kept: kept.length }));`,
    ["--expose-gc"],
  );
  const drop = (answer.before as number) - (answer.after as number);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  t.diagnostic(`RssAnon ${mb(answer.before as number)} → ${mb(answer.after as number)}`);
  assert.equal(answer.released, true, "malloc_trim(0) says it released memory");
  // Measured: ~80 MB of the 82 MB freed (RssAnon 102 → 22 MB); the bound is half of it.
  assert.ok(drop > 40e6, `RssAnon went from ${mb(answer.before as number)} to ${mb(answer.after as number)}: dropped ${mb(drop)}, expected more than 40 MB`);
});

test("a missing or broken addon: loadTrim gives null and never throws", () => {
  const dir = mkdtempSync(join(tmpdir(), "zoo-trim-missing-"));
  try {
    assert.equal(loadTrim(join(dir, "malloc-trim-nowhere.node")), null, "a file that is not there");
    const notElf = join(dir, "broken.node");
    writeFileSync(notElf, "not a shared object");
    assert.equal(loadTrim(notElf), null, "a file that is no shared object");
    assert.equal(loadTrim(join(ROOT, "package.json")), null, "a file of another kind");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a single executable loads the addon from its asset; without a writable temporary directory it runs on without", { skip: process.platform !== "linux" && "single executables are built on Linux", timeout: 5 * 60_000 }, async () => {
  const addon = buildNative();
  assert.ok(addon, "scripts/build-native.ts built the addon");
  const work = mkdtempSync(join(tmpdir(), "zoo-trim-sea-"));
  try {
    // As scripts/build-binary.ts makes zoo's: a CommonJS bundle with its defines, a SEA blob with the addon as its
    // asset, injected into a copy of this Node.
    const bundle = join(work, "main.cjs");
    await build({
      stdin: {
        contents: `import { mallocTrimAvailable, trimMalloc } from "./src/malloc-trim.ts";\nconsole.log(JSON.stringify({ available: mallocTrimAvailable(), trimmed: trimMalloc() }));\n`,
        resolveDir: ROOT,
        loader: "ts",
      },
      ...SEA_BUNDLE_OPTIONS,
      outfile: bundle,
      define: { "import.meta.main": "false", ZOO_SINGLE_EXECUTABLE: "true", "import.meta.url": "__no_import_meta_url" },
    });
    assert.ok(!readFileSync(bundle, "utf8").includes("__no_import_meta_url"), "the bundle has no import.meta.url (build-binary refuses one)");
    const blob = join(work, "main.blob");
    const config = join(work, "sea-config.json");
    writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets: { [MALLOC_TRIM_ASSET]: addon } }));
    execFileSync(process.execPath, ["--experimental-sea-config", config], { stdio: "pipe" });
    const binary = join(work, "sea");
    copyFileSync(process.execPath, binary);
    await inject(binary, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2" });

    const run = (env: NodeJS.ProcessEnv) => {
      const result = spawnSync(binary, [], { env: { ...process.env, NODE_OPTIONS: "", ...env }, encoding: "utf8", timeout: 60_000 });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      return JSON.parse(result.stdout) as { available: boolean; trimmed: boolean };
    };
    const tmp = mkdtempSync(join(work, "tmp-"));
    const loaded = run({ TMPDIR: tmp });
    assert.equal(loaded.available, true, "the single executable loaded its asset");
    assert.equal(typeof loaded.trimmed, "boolean");
    assert.deepEqual(readdirSync(tmp), [], "the temporary copy is removed once loaded");
    assert.deepEqual(run({ TMPDIR: join(work, "not-there") }), { available: false, trimmed: false }, "no temporary directory: no addon, no crash");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test("zoo's single executable, when built, carries the addon", { skip: !existsSync(join(ROOT, "dist/zoo-linux-x64")) && "no dist/zoo-linux-x64 (npm run build:binary)" }, () => {
  const seaConfig = JSON.parse(readFileSync(join(ROOT, "dist/sea/sea-config.json"), "utf8")) as { assets?: Record<string, string> };
  const asset = seaConfig.assets?.[MALLOC_TRIM_ASSET];
  assert.ok(asset && existsSync(asset), `build-binary's sea-config embeds ${MALLOC_TRIM_ASSET}: ${JSON.stringify(seaConfig.assets)} (npm run build:binary again?)`);
  assert.ok(readFileSync(join(ROOT, "dist/zoo-linux-x64")).includes(readFileSync(asset)), "the binary holds the addon's bytes");
  const version = spawnSync(join(ROOT, "dist/zoo-linux-x64"), ["--version"], { encoding: "utf8", timeout: 30_000 });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version);
});
