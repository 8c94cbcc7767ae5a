// Certificates from files: which one serves a name (strict SNI), and every bad file reported at once, by name.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { buildConfig } from "../../src/config/load.ts";
import { ConfigError } from "../../src/errors.ts";
import { dnsNames, loadCertificates, selectCertificate, type Certificate } from "../../src/tls/certificates.ts";
import { issue, makeCa } from "./certs.ts";

const fake = (source: string, names: string[], notAfter = 2e12): Certificate => ({ source, names, notAfter, context: {} as Certificate["context"], fingerprint: source });

describe("selectCertificate: the names a certificate covers, never another site's", () => {
  const certificates = [
    fake("a", ["a.example.com"]),
    fake("wild", ["*.example.com"]),
    fake("b", ["b.test", "*.b.test"]),
    fake("a-newer", ["a.example.com", "other.test"], 3e12),
  ];
  const cases: [servername: string, expected: string | undefined][] = [
    ["a.example.com", "a-newer"], // two cover it: the later expiry
    ["A.Example.COM", "a-newer"], // without case
    ["a.example.com.", "a-newer"],
    ["www.example.com", "wild"], // a wildcard covers one first label
    ["x.y.example.com", undefined], // not two
    ["example.com", undefined], // not the bare domain
    ["b.test", "b"],
    ["x.b.test", "b"],
    ["other.test", "a-newer"],
    ["unknown.test", undefined],
    ["localhost", undefined],
    ["", undefined],
  ];
  for (const [name, expected] of cases) {
    test(`${JSON.stringify(name)} → ${expected}`, () => assert.equal(selectCertificate(certificates, name)?.source, expected));
  }
});

test("dnsNames reads DNS entries of a subjectAltName only", () => {
  assert.deepEqual(dnsNames("DNS:a.test, DNS:*.B.test, IP Address:127.0.0.1, email:x@y"), ["a.test", "*.b.test"]);
  assert.deepEqual(dnsNames(undefined), []);
});

test("loadCertificates reads good pairs and their names", () => {
  const ca = makeCa();
  const one = issue(ca, ["a.test", "*.a.test"]);
  const config = buildConfig({ tls: { listen: 0, certificates: [one] } }, { file: path.join(ca.dir, "zoo.config.json"), env: {} });
  const [certificate] = loadCertificates(config);
  assert.deepEqual(certificate.names, ["a.test", "*.a.test"]);
  assert.equal(certificate.source, one.cert);
  assert.ok(certificate.notAfter > Date.now());
});

test("a missing file, a key of another certificate, an expired certificate and a non-PEM file: all reported, each naming its file", () => {
  const ca = makeCa();
  const good = issue(ca, ["good.test"]);
  const other = issue(ca, ["other.test"]);
  const expired = issue(ca, ["old.test"], { expired: true });
  const notPem = path.join(ca.dir, "ca.cnf");
  const unreadable = path.join(ca.dir, "unreadable.key");
  copyFileSync(good.key, unreadable);
  chmodSync(unreadable, 0o000);
  const certificates = [
    { cert: "missing.pem", key: "missing.key" },
    { cert: good.cert, key: other.key },
    expired,
    { cert: notPem, key: good.key },
    ...(process.getuid?.() === 0 ? [] : [{ cert: good.cert, key: unreadable }]), // root reads anything
  ];
  const file = path.join(ca.dir, "zoo.config.json");
  const config = buildConfig({ tls: { listen: 0, certificates } }, { file, env: {} });
  let error: unknown;
  try {
    loadCertificates(config);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, "a ConfigError");
  assert.equal(error.exitCode, 2);
  const lines = error.problems.map((p) => `${p.path.join(".")}: ${p.message}`);
  const expected = [
    `tls.certificates.0.cert: cannot read certificate ${path.join(ca.dir, "missing.pem")}: no such file`,
    `tls.certificates.1.key: key ${other.key} does not match certificate ${good.cert}`,
    `tls.certificates.2.cert: certificate ${expired.cert} expired on 2020-01-02T00:00:00.000Z`,
    `tls.certificates.3.cert: certificate ${notPem} is not a PEM certificate`,
    ...(process.getuid?.() === 0 ? [] : [`tls.certificates.4.key: cannot read key ${unreadable}: permission denied`]),
  ];
  assert.deepEqual(lines, expected);
  assert.match(error.message, /invalid config .*zoo\.config\.json/);
});

test("ACME timing: renewal 30 days before expiry, retries growing from 5 s to an hour", async () => {
  const { renewalDelay, retryDelay } = await import("../../src/tls/acme.ts");
  const day = 24 * 3600_000;
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(renewalDelay(now + 90 * day, now), 60 * day);
  assert.equal(renewalDelay(now + 30 * day, now), 0);
  assert.equal(renewalDelay(now + 10 * day, now), 0);
  assert.deepEqual([1, 2, 3, 4, 10, 20].map(retryDelay), [5000, 10_000, 20_000, 40_000, 2_560_000, 3_600_000]);
});
