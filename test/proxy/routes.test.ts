// The route table as a behaviour suite (in the style of hono's router common.case.test.ts):
// every case states a table, a path and the expected route and rest. Any matcher must pass it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Route } from "../../src/config/types.ts";
import { compileRoutes, type RouteTable } from "../../src/proxy/routes.ts";

const app = (prefix: string, name: string): Route => ({ prefix, kind: "app", app: name, stripPrefix: false });

const seed: Route[] = [
  app("/", "python"),
  app("/node", "node"),
  app("/go", "go"),
  { prefix: "/google", kind: "redirect", to: "https://google.com", status: 302 },
  { prefix: "/static", kind: "static", dir: "fixtures/static" },
];

type Case = [path: string, expected: string | undefined, rest?: string];

export function runRouteSuite(name: string, compile: (routes: Route[]) => RouteTable) {
  const nameOf = (route: Route | undefined) =>
    route === undefined ? undefined : route.kind === "app" ? route.app : `${route.kind}:${route.prefix}`;
  const check = (table: RouteTable, [path, expected, rest]: Case) => {
    const match = table.match(path);
    assert.equal(nameOf(match?.route), expected, `route for ${path}`);
    if (rest !== undefined) assert.equal(match?.rest, rest, `rest for ${path}`);
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
}

runRouteSuite("compileRoutes", compileRoutes);
