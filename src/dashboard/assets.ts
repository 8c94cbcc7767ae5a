// The page's files: read from src/dashboard/assets/ and node_modules/uplot in a checkout or an npm install; in the single executable,
// scripts/build-binary.ts defines ZOO_DASHBOARD_ASSETS with their text (a binary has no files beside it).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

declare const ZOO_DASHBOARD_ASSETS: string | undefined;

export interface Asset {
  type: string;
  body: string;
}

/** URL path → the file in src/dashboard/assets/ or in the uplot package. */
const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/api.js": { file: "api.js", type: "text/javascript; charset=utf-8" },
  "/apps.js": { file: "apps.js", type: "text/javascript; charset=utf-8" },
  "/charts.js": { file: "charts.js", type: "text/javascript; charset=utf-8" },
  "/common.js": { file: "common.js", type: "text/javascript; charset=utf-8" },
  "/logs.js": { file: "logs.js", type: "text/javascript; charset=utf-8" },
  "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
  "/uplot.js": { file: "uplot/dist/uPlot.iife.min.js", type: "text/javascript; charset=utf-8" },
  "/uplot.css": { file: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
};

let cached: Map<string, Asset> | undefined;

export function assets(): Map<string, Asset> {
  cached ??= new Map(Object.entries(assetTexts()).map(([path, body]) => [path, { type: FILES[path].type, body }]));
  return cached;
}

/** URL path → text. */
export function assetTexts(): Record<string, string> {
  if (typeof ZOO_DASHBOARD_ASSETS === "string") return JSON.parse(ZOO_DASHBOARD_ASSETS) as Record<string, string>;
  else return readAssetFiles();
}

function readAssetFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  // From src/dashboard/ and from the compiled dist/dashboard/ alike (tsc copies no HTML, the package ships src/).
  const here = new URL("../../src/dashboard/assets/", import.meta.url);
  const read = (file: string) => readFileSync(file.startsWith("uplot/") ? require.resolve(file) : new URL(file, here), "utf8");
  return Object.fromEntries(Object.entries(FILES).map(([path, { file }]) => [path, read(file)]));
}
