// Issue 22: an idle zoo holds only what its config uses. Its config is loaded in a child process (the validator,
// the YAML parser and cosmiconfig never enter the running zoo), apps start with node:child_process (not execa), the
// app client (undici) is loaded at the first request, and TLS, HTTP/2 and Node's internal fetch are not loaded
// without a config that needs them. (test/proxy/lazy-modules.test.ts: send, bcryptjs and http-proxy-3.)
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, listeningPort, startZoo, stopZoo, type ZooProcess } from "../helpers/zoo-process.ts";

const HOOK = join(import.meta.dirname, "loaded-at-idle.ts");

interface Loaded {
  loaded: string[];
  builtins: string[];
}

async function loadedModules(zoo: ZooProcess): Promise<Loaded> {
  const earlier = zoo.output().match(/modules: .*\n/g)?.length ?? 0;
  zoo.child.kill("SIGUSR2");
  // The answer to this signal is the next "modules:" line.
  await zoo.waitFor(new RegExp(`(?:modules: [^\\n]*\\n[\\s\\S]*?){${earlier + 1}}`));
  const line = zoo.output().match(/modules: (.*)\n/g)![earlier];
  return JSON.parse(line.slice("modules: ".length)) as Loaded;
}

test("an idle zoo with one app and one route has not loaded the validator, YAML, TLS, HTTP/2 or undici", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "zoo-idle-modules-"));
  writeFileSync(join(dir, "app.mjs"), `import { createServer } from "node:http";\ncreateServer((req, res) => res.end("hello")).listen(process.env.PORT, "127.0.0.1");\n`);
  const appPort = await freePort();
  writeFileSync(join(dir, "zoo.config.json"), JSON.stringify({ listen: "127.0.0.1:0", apps: { api: { command: ["node", "app.mjs"], port: appPort, env: { NODE_OPTIONS: "" } } }, routes: { "/": "api" } }));
  const zoo = startZoo(["start"], { cwd: dir, env: { NODE_OPTIONS: `--import=${HOOK}` } });
  t.after(() => stopZoo(zoo));
  const port = await listeningPort(zoo);
  await zoo.waitFor(/api: ready/, 30_000);

  const idle = await loadedModules(zoo);
  assert.ok(idle.loaded.includes("src/main.ts"), `the hook sees zoo's modules: ${idle.loaded.join(", ")}`);
  for (const absent of ["zod", "yaml", "cosmiconfig", "dotenv", "src/config/schema.ts", "src/config/load.ts", "undici", "execa"]) {
    assert.ok(!idle.loaded.includes(absent), `${absent} is loaded at idle`);
  }
  for (const absent of ["tls", "http2", "https", "internal/deps/undici/undici"]) {
    assert.ok(!idle.builtins.includes(absent), `node:${absent} is loaded at idle`);
  }

  const response = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(await response.text(), "hello");
  const served = await loadedModules(zoo);
  assert.ok(served.loaded.includes("undici"), "the first request loads the app client");
  assert.ok(!served.loaded.includes("zod"), "serving a request does not load the validator");
});
