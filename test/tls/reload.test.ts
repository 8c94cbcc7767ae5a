// `zoo reload` re-reads the certificate files, for real: a replaced file is served from the next handshake, a pair
// added to the config is served, and a bad file changes nothing (exit 2, the file named, the old certificate kept).
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { app, runZoo } from "../operate/helpers.ts";
import { issue, makeCa } from "./certs.ts";
import { handshake } from "./helpers.ts";

const ca = makeCa();

test("zoo reload re-reads the certificate files: replaced, added, and a bad one changes nothing", { timeout: 60_000 }, async (t) => {
  const live = { cert: path.join(ca.dir, "live.pem"), key: path.join(ca.dir, "live.key") };
  const use = (pair: { cert: string; key: string }) => {
    copyFileSync(pair.cert, live.cert);
    copyFileSync(pair.key, live.key);
  };
  use(issue(ca, ["a.test"]));
  const config = (certificates: unknown[]) => ({ apps: { web: app() }, routes: { "/": "web" }, tls: { listen: "127.0.0.1:0", certificates } });
  const z = await runZoo(t, config([live]));
  const tlsPort = Number(/:(\d+)$/.exec(await z.zoo.waitFor(/listening on https:\/\/127\.0\.0\.1:\d+/))![1]);
  assert.equal(await handshake(tlsPort, "a.test", ca.ca), "DNS:a.test");
  await assert.rejects(handshake(tlsPort, "c.test", ca.ca));

  // The config is unchanged; the files are not.
  use(issue(ca, ["a.test", "c.test"]));
  const replaced = await z.cli("reload");
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.ok(replaced.stdout.includes(`tls: certificate ${live.cert} loaded (a.test, c.test)`), replaced.stdout);
  assert.equal(await handshake(tlsPort, "c.test", ca.ca), "DNS:a.test, DNS:c.test");
  assert.match((await z.cli("reload")).stdout, /nothing changed/);

  const second = issue(ca, ["d.test"]);
  z.rewrite(config([live, second]));
  const added = await z.cli("reload");
  assert.equal(added.code, 0, added.stdout + added.stderr);
  assert.ok(added.stdout.includes(`tls: certificate ${second.cert} loaded (d.test)`), added.stdout);
  assert.equal(await handshake(tlsPort, "d.test", ca.ca), "DNS:d.test");

  writeFileSync(live.key, "not a key");
  const bad = await z.cli("reload");
  assert.equal(bad.code, 2, bad.stdout + bad.stderr);
  assert.ok(bad.stderr.includes(`key ${live.key} is not a PEM private key`), bad.stderr);
  assert.equal(await handshake(tlsPort, "c.test", ca.ca), "DNS:a.test, DNS:c.test", "the served certificate stays");

  z.rewrite({ ...config([live, second]), tls: { listen: "127.0.0.1:0", certificates: [second], redirectHttp: true } });
  const refused = await z.cli("reload");
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /tls changed .*restart zoo/);
});
