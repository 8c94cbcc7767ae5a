// "All errors at once": one run of zoo validate (or zoo start) reports every problem of a file, whatever its kind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { project, runZoo } from "../helpers/run-zoo.ts";

const EVERY_KIND = JSON.stringify({
  listen: 9464,
  metrics: { listen: 9464 },
  apps: {
    a: { command: "x", restart: "sometimes", port: 9000, replicas: 2 },
    b: { command: "y", cwd: "no-such-dir" },
  },
  routes: { "/": "a", "/files": { static: "no-such-files" }, "/page": { static: "page.html" } },
  tls: { listen: 9464, certificates: [{ cert: "missing.pem", key: "missing-key.pem" }] },
});

const EXPECTED = [
  /apps\.a\.restart: expected one of "always", "on-failure", "never", found "sometimes"/, // the schema
  /apps\.a\.replicas: 2 replicas cannot share the fixed port 9000/, // replicas with a fixed port
  /metrics\.listen: 0\.0\.0\.0:9464 collides with zoo's public listen address/, // metrics on zoo's port
  /tls\.listen: port 9464 is also zoo's plain listen port/, // HTTPS on zoo's port
  /tls\.certificates\[0\]\.cert: cannot read certificate .*missing\.pem/, // a certificate file
  /apps\.b\.cwd: the app's working directory .*no-such-dir: it does not exist/, // a cwd
  /routes\["\/files"\]\.static: the directory of files to serve .*no-such-files: it does not exist/, // a static directory
  /routes\["\/page"\]\.static: the directory of files to serve .*page\.html: it is a file, not a directory/, // a file as one
];

test("zoo validate of a file with one problem of each kind reports them all in one run, exit 2", async (t) => {
  const root = project(t, { "zoo.config.json": EVERY_KIND, "page.html": "<p>hi</p>" });
  const { code, stdout, stderr } = await runZoo(["validate"], { cwd: root });
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.match(stderr, /invalid config .*zoo\.config\.json \(8 problems\):/);
  for (const problem of EXPECTED) assert.match(stderr, problem);
});

test("zoo start of that file reports the same problems, exit 2, and starts nothing", async (t) => {
  const root = project(t, { "zoo.config.json": EVERY_KIND, "page.html": "<p>hi</p>" });
  const { code, stdout, stderr } = await runZoo(["start"], { cwd: root });
  assert.equal(code, 2);
  assert.doesNotMatch(stdout + stderr, /starting|listening/);
  for (const problem of EXPECTED) assert.match(stderr, problem);
});
