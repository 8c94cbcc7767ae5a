// The single executable's lazily loaded packages: each is its own bundle, a SEA asset, compiled only when zoo first
// requires it (the first request to an app, the first static file, a metrics or ACME config). A SEA's main script is
// source text that V8 holds in the heap for as long as the process lives: with every package in it, 3.3 MB of an
// idle zoo was source text of code it never ran (README, "Memory").
import { build } from "esbuild";
import { resolve } from "node:path";

/** The packages src/ imports only from code that runs on demand, as src/ names them. */
export const SEA_LAZY_MODULES = ["undici/lib/dispatcher/agent.js", "send", "http-proxy-3", "bcryptjs", "prom-client", "acme-client"];

const ASSET_PREFIX = "module:";

/** How every bundle of the single executable is made: CommonJS for Node 24, no comments or indentation. */
export const SEA_BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
} as const;

/**
 * Put first in the main bundle: its `require` (the CommonJS wrapper's, which in a SEA loads only Node's built-ins)
 * also finds the lazy packages among the SEA's assets. A package's bundle gets the same require.
 */
export const SEA_REQUIRE_BANNER = `var require = ((builtinRequire) => {
  const loaded = new Map();
  return function seaRequire(id) {
    if (loaded.has(id)) return loaded.get(id).exports;
    const sea = builtinRequire("node:sea");
    let source;
    try { source = sea.getAsset(${JSON.stringify(ASSET_PREFIX)} + id, "utf8"); } catch { return builtinRequire(id); }
    const module = { exports: {} };
    loaded.set(id, module);
    const filename = "zoo:" + id;
    builtinRequire("node:vm").compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename })(module.exports, seaRequire, module, filename, ".");
    return module.exports;
  };
})(require);`;

/** Bundles each lazy package into `dir`; returns the SEA assets (name → file). */
export async function buildSeaModules(root: string, dir: string): Promise<Record<string, string>> {
  const assets: Record<string, string> = {};
  for (const [index, id] of SEA_LAZY_MODULES.entries()) {
    const outfile = resolve(dir, `module-${index}.cjs`);
    await build({
      stdin: { contents: `module.exports = require(${JSON.stringify(id)});`, resolveDir: root, loader: "js", sourcefile: `${id}.cjs` },
      ...SEA_BUNDLE_OPTIONS,
      outfile,
    });
    assets[ASSET_PREFIX + id] = outfile;
  }
  return assets;
}
