// zoo with tls, as a user runs it: a bad certificate stops everything before it starts (exit 2, the file named),
// and a good config serves HTTPS to curl --http2 and to h2load, beside its plain listener.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { CLI, startZoo, stopZoo } from "../helpers/zoo-process.ts";
import { issue, makeCa } from "./certs.ts";

const run = promisify(execFile);
const ca = makeCa();

function writeConfig(name: string, config: unknown): string {
  const file = path.join(ca.dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

test("a key that does not match, an expired certificate, a missing file: exit 2 naming each file, nothing started", async () => {
  const good = issue(ca, ["good.test"]);
  const other = issue(ca, ["other.test"]);
  const expired = issue(ca, ["old.test"], { expired: true });
  const file = writeConfig("bad.config.json", {
    listen: "127.0.0.1:0",
    apps: { web: { command: ["node", "-e", "require('http').createServer().listen(process.env.PORT)"] } },
    routes: { "/": "web" },
    tls: { listen: "127.0.0.1:0", certificates: [{ cert: good.cert, key: other.key }, expired, { cert: "nope.pem", key: "nope.key" }] },
  });
  for (const command of ["start", "validate"]) {
    const result = await run(process.execPath, [CLI, command, "--config", file]).then(
      () => ({ code: 0, stderr: "", stdout: "" }),
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    assert.equal(result.code, 2, command);
    assert.match(result.stderr, new RegExp(`invalid config ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    assert.ok(result.stderr.includes(`key ${other.key} does not match certificate ${good.cert}`), result.stderr);
    assert.ok(result.stderr.includes(`certificate ${expired.cert} expired on 2020-01-02`), result.stderr);
    assert.ok(result.stderr.includes(`cannot read certificate ${path.join(ca.dir, "nope.pem")}: no such file`), result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /listening|starting/);
  }
});

test("curl --http2 and h2load over HTTPS; the plain port redirects with 308", { timeout: 60_000 }, async (t) => {
  const site = issue(ca, ["a.test", "*.a.test"]);
  const file = writeConfig("good.config.json", {
    listen: "127.0.0.1:0",
    apps: { web: { command: ["node", "main.js"], cwd: path.resolve(import.meta.dirname, "../../fixtures/node") } },
    routes: { "/": "web" },
    tls: { listen: "127.0.0.1:0", certificates: [site], redirectHttp: true },
  });
  const zoo = startZoo(["start", "--config", file]);
  t.after(() => stopZoo(zoo));
  const plain = Number(/:(\d+)$/.exec(await zoo.waitFor(/listening on http:\/\/\S+:\d+/))![1]);
  const port = Number(/:(\d+)/.exec((await zoo.waitFor(/listening on https:\/\/\S+:\d+/)).replace("https://127.0.0.1", ""))![1]);
  await zoo.waitFor(/web: ready/);
  const resolve = ["--resolve", `a.test:${port}:127.0.0.1`, "--resolve", `www.a.test:${port}:127.0.0.1`];

  const h2 = await run("curl", ["-sS", "--http2", "--cacert", ca.caFile, ...resolve, "-o", "-", "-w", "\n%{http_version} %{http_code}", `https://www.a.test:${port}/x?y=1`]);
  assert.match(h2.stdout, /I'm Node!\r\n\[\/x\?y=1\]\r\n\n2 200$/);
  const h1 = await run("curl", ["-sS", "--http1.1", "--cacert", ca.caFile, ...resolve, "-o", "/dev/null", "-w", "%{http_version} %{http_code}", `https://a.test:${port}/`]);
  assert.equal(h1.stdout, "1.1 200");
  const refused = await run("curl", ["-sS", "--cacert", ca.caFile, "--resolve", `b.test:${port}:127.0.0.1`, `https://b.test:${port}/`]).then(
    () => "served",
    (error: { stderr: string }) => error.stderr,
  );
  assert.notEqual(refused, "served", "no certificate for b.test");

  const redirect = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H", "Host: a.test", `http://127.0.0.1:${plain}/p?q`]);
  assert.equal(redirect.stdout, `308 https://a.test:${port}/p?q`);

  for (const [flags, alpn] of [[[], "h2"], [["--h1"], "http/1.1"]] as const) {
    const load = await run("h2load", [...flags, "-n", "400", "-c", "4", "-m", "4", `--connect-to=127.0.0.1:${port}`, `https://a.test:${port}/node`]);
    assert.ok(load.stdout.includes(`Application protocol: ${alpn}`), load.stdout);
    assert.match(load.stdout, /requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed, 0 errored, 0 timeout/, load.stdout);
    assert.match(load.stdout, /status codes: 400 2xx/);
  }
});
