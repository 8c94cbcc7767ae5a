// The route table as a behaviour suite (in the style of hono's router common.case.test.ts):
// every case states a table, a path and the expected route and rest. Any matcher must pass it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Route } from "../../src/config/types.ts";
import { compileRoutes, type RouteTable } from "../../src/proxy/routes.ts";

const app = (prefix: string, name: string, host?: string): Route => ({ prefix, ...(host && { host }), kind: "app", app: name, stripPrefix: false });

const seed: Route[] = [
  app("/", "python"),
  app("/node", "node"),
  app("/go", "go"),
  { prefix: "/google", kind: "redirect", to: "https://google.com", status: 302 },
  { prefix: "/static", kind: "static", dir: "fixtures/static" },
];

type Case = [path: string, expected: string | undefined, rest?: string];
type HostCase = [host: string | undefined, path: string, expected: string | undefined, rest?: string];

export function runRouteSuite(name: string, compile: (routes: Route[]) => RouteTable<Route>) {
  const nameOf = (route: Route | undefined) =>
    route === undefined ? undefined : route.kind === "app" ? route.app : `${route.kind}:${route.prefix}`;
  const check = (table: RouteTable<Route>, [path, expected, rest]: Case) => {
    checkHost(table, [undefined, path, expected, rest]);
  };
  const checkHost = (table: RouteTable<Route>, [host, path, expected, rest]: HostCase) => {
    const match = table.match(host, path);
    assert.equal(nameOf(match?.route), expected, `route for ${host} ${path}`);
    if (rest !== undefined) assert.equal(match?.rest, rest, `rest for ${host} ${path}`);
  };

  describe(`${name}: the seed table`, () => {
    const table = compile(seed);
    const cases: Case[] = [
      ["/", "python", "/"],
      ["/anything/else", "python", "/anything/else"],
      ["/node", "node", "/"],
      ["/node/", "node", "/"],
      ["/node/x", "node", "/x"],
      ["/node/a/b/c", "node", "/a/b/c"],
      ["/nodejs", "python", "/nodejs"],
      ["/nodejs/x", "python"],
      ["/node.js", "python"],
      ["/go", "go", "/"],
      ["/gopher", "python"],
      ["/google", "redirect:/google", "/"],
      ["/google/search", "redirect:/google", "/search"],
      ["/googleplex", "python"],
      ["/static/app.css", "static:/static", "/app.css"],
      ["/NODE", "python"], // prefixes are case-sensitive, like paths
      ["//node", "python"],
    ];
    for (const c of cases) test(`${c[0]} → ${c[1]}`, () => check(table, c));
  });

  describe(`${name}: longest prefix wins, whatever the order`, () => {
    const routes = [app("/a", "a"), app("/a/b/c", "abc"), app("/a/b", "ab")];
    for (const order of [routes, [...routes].reverse()]) {
      const table = compile(order);
      const cases: Case[] = [
        ["/a", "a", "/"],
        ["/a/x", "a", "/x"],
        ["/a/b", "ab", "/"],
        ["/a/bc", "a", "/bc"],
        ["/a/b/x", "ab", "/x"],
        ["/a/b/c", "abc", "/"],
        ["/a/b/c/d/e", "abc", "/d/e"],
        ["/a/b/cd", "ab", "/cd"],
        ["/b", undefined],
        ["/", undefined],
      ];
      for (const c of cases) test(`${order[0].prefix} first: ${c[0]} → ${c[1]}`, () => check(table, c));
    }
  });

  describe(`${name}: edge tables`, () => {
    test("an empty table matches nothing", () => check(compile([]), ["/", undefined]));
    test("only the root matches everything", () => {
      const table = compile([app("/", "root")]);
      for (const path of ["/", "/x", "/x/y/", "//"]) check(table, [path, "root", path]);
    });
    test("a deep prefix alone", () => {
      const table = compile([app("/api/v1", "v1")]);
      check(table, ["/api/v1/users", "v1", "/users"]);
      check(table, ["/api", undefined]);
      check(table, ["/api/v10", undefined]);
    });
    test("a prefix with encoded or dotted characters matches literally", () => {
      const table = compile([app("/a.b", "dot"), app("/", "root")]);
      check(table, ["/a.b/x", "dot", "/x"]);
      check(table, ["/aXb/x", "root"]);
    });
  });

  describe(`${name}: hosts`, () => {
    const table = compile([
      app("/", "any"),
      app("/docs", "any-docs"),
      app("/", "api", "api.example.com"),
      app("/v2", "api-v2", "api.example.com"),
      app("/", "wild", "*.example.com"),
      app("/docs", "docs", "example.com"),
      app("/", "idn", "xn--bcher-kva.example"),
    ]);
    const cases: HostCase[] = [
      ["api.example.com", "/", "api", "/"],
      ["api.example.com", "/users", "api", "/users"],
      ["api.example.com", "/v2/x", "api-v2", "/x"],
      ["API.Example.COM", "/", "api"], // without case
      ["api.example.com:8443", "/", "api"], // without port
      ["api.example.com.", "/", "api"], // a fully qualified name
      ["www.example.com", "/", "wild"], // wildcard: one first label
      ["www.example.com:80", "/docs", "wild"], // the wildcard host's "/" beats the any-host "/docs"
      ["a.b.example.com", "/", "any"], // only the first label
      ["example.com", "/", "any"], // a wildcard does not match the bare domain
      ["example.com", "/docs/x", "docs", "/x"],
      ["example.com", "/documents", "any"], // the host has no prefix for it: the next kind of host
      ["badexample.com", "/", "any"],
      ["xn--bcher-kva.example", "/", "idn"],
      ["Bücher.example", "/", "idn"], // an IDN in its ASCII form
      [undefined, "/docs", "any-docs"], // no Host: only any-host routes
      ["", "/", "any"],
      ["[::1]:8000", "/", "any"],
      ["127.0.0.1:8000", "/docs", "any-docs"],
    ];
    for (const c of cases) test(`${c[0]} ${c[1]} → ${c[2]}`, () => checkHost(table, c));

    test("without any-host routes, an unknown host matches nothing", () => {
      const only = compile([app("/", "api", "api.example.com")]);
      checkHost(only, ["other.example.com", "/", undefined]);
      checkHost(only, [undefined, "/", undefined]);
      checkHost(only, ["api.example.com", "/x", "api", "/x"]);
    });
    test("a wildcard's path falls through to any-host routes", () => {
      const t = compile([app("/a", "wild-a", "*.example.com"), app("/", "any")]);
      checkHost(t, ["x.example.com", "/a/b", "wild-a", "/b"]);
      checkHost(t, ["x.example.com", "/b", "any"]);
    });
  });
}

runRouteSuite("compileRoutes", compileRoutes);
