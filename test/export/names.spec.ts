// App names → DNS labels that compose, DNS and Kubernetes Services accept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { distinctLabels, dnsLabel, isDnsLabel, mapNames } from "../../src/export/names.ts";

test("a name DNS accepts stays as it is", () => {
  for (const name of ["web", "api-v2", "a", "x9"]) assert.equal(dnsLabel(name), name);
});

test("other names are lowercased, _ and . become -, and they start with a letter", () => {
  assert.equal(dnsLabel("My_API.v2"), "my-api-v2");
  assert.equal(dnsLabel("__web__"), "web");
  assert.equal(dnsLabel("a..b--c"), "a-b-c");
  assert.equal(dnsLabel("9lives"), "app-9lives");
  assert.equal(dnsLabel("_"), "app");
  assert.equal(dnsLabel("x".repeat(80)), "x".repeat(63));
  for (const name of ["My_API.v2", "9lives", "_", "-a-", "A".repeat(100), "a.-_b"]) assert.ok(isDnsLabel(dnsLabel(name)), name);
});

test("mapNames: distinct, deterministic, and clear of reserved names", () => {
  const map = mapNames(["web", "Web", "web_", "zoo", "x".repeat(70), "X".repeat(70)], ["zoo"]);
  assert.deepEqual([...map.values()], ["web", "web-2", "web-3", "zoo-2", "x".repeat(63), `${"x".repeat(61)}-2`]);
  assert.deepEqual(mapNames(["web", "Web"]), mapNames(["web", "Web"]));
  for (const label of map.values()) assert.ok(isDnsLabel(label), label);
});

test("isDnsLabel: RFC 1035 labels only", () => {
  for (const name of ["a", "web-2", "a".repeat(63)]) assert.ok(isDnsLabel(name), name);
  for (const name of ["", "2web", "-web", "web-", "Web", "we_b", "a".repeat(64)]) assert.ok(!isDnsLabel(name), name);
});

test("distinctLabels: repeated names and clashes after mapping get -2, -3, … in order", () => {
  assert.deepEqual(distinctLabels(["zoo", "zoo-2", "zoo-api.example.com", "zoo-api-example-com", "zoo"]), ["zoo", "zoo-2", "zoo-api-example-com", "zoo-api-example-com-2", "zoo-3"]);
});
