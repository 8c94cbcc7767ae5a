// zoo's single executable for tests: built once per test process with scripts/build-binary.ts into a temporary
// directory (a few seconds), so that a test runs the binary of the code it tests.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./zoo-process.ts";

let built: Promise<string> | undefined;

export function singleExecutable(): Promise<string> {
  built ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), "zoo-binary-")), "zoo");
    await promisify(execFile)(process.execPath, [join(ROOT, "scripts/build-binary.ts"), "--out", out], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return out;
  })();
  return built;
}
