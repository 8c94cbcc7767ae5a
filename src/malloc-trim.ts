// Returns the malloc memory glibc keeps after it was freed (V8's compiler zones, below live chunks, where glibc's own
// trim of the heap's top cannot reach), with glibc's malloc_trim(0): Node has no API for it, so zoo has a tiny
// Node-API addon (native/malloc-trim.c, built by scripts/build-native.ts). No addon (no C compiler at the build, not
// Linux, musl), or one that does not load: trimMalloc() returns false, never throws.
// Built-in modules are taken when first needed: importing this module loads nothing.

// The single executable (scripts/build-binary.ts) defines this: the addon is its asset, not a file beside it.
declare const ZOO_SINGLE_EXECUTABLE: boolean | undefined;

/** The single executable's asset name (scripts/build-binary.ts). */
export const MALLOC_TRIM_ASSET = "malloc-trim.node";

/** undefined: not loaded yet; null: unavailable, for good. */
let trim: (() => boolean) | null | undefined;

/** malloc_trim(0): true when memory went back to the system; false when nothing did or the addon is unavailable. */
export function trimMalloc(): boolean {
  if (trim === undefined) trim = typeof ZOO_SINGLE_EXECUTABLE === "boolean" && ZOO_SINGLE_EXECUTABLE ? loadFromAsset() : loadTrim(addonFile());
  return trim?.() ?? false;
}

/** Whether this process has the addon (loads it on the first call). */
export function mallocTrimAvailable(): boolean {
  trimMalloc();
  return trim !== null;
}

/** The addon's trim() from the file at `file`, or null when it is missing or does not load. */
export function loadTrim(file: string): (() => boolean) | null {
  try {
    const module = { exports: {} as { trim?: unknown } };
    process.dlopen(module, file);
    const fn = module.exports.trim;
    return typeof fn === "function" ? () => fn() === true : null;
  } catch {
    return null;
  }
}

/** native/build/ is one level up from src/ (cli.ts run by Node) and from dist/ (the npm package's compiled files). */
function addonFile(): string {
  const { fileURLToPath } = process.getBuiltinModule("node:url");
  return fileURLToPath(new URL(`../native/build/malloc-trim-${process.platform}-${process.arch}.node`, import.meta.url));
}

/** The single executable's asset, written to a private temporary file for dlopen (which keeps its mapping), then removed. */
function loadFromAsset(): (() => boolean) | null {
  const fs = process.getBuiltinModule("node:fs");
  const { tmpdir } = process.getBuiltinModule("node:os");
  let dir: string | undefined;
  try {
    const bytes = process.getBuiltinModule("node:sea").getRawAsset(MALLOC_TRIM_ASSET);
    dir = fs.mkdtempSync(`${tmpdir()}/zoo-`);
    const file = `${dir}/${MALLOC_TRIM_ASSET}`;
    fs.writeFileSync(file, new Uint8Array(bytes as ArrayBuffer), { mode: 0o700 });
    return loadTrim(file);
  } catch {
    // No asset (built without a C compiler), or no writable temporary directory (a read-only root file system).
    return null;
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
