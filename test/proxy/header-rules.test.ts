// Header rules on a route, over the plain listener and HTTPS/HTTP/2: set, add and remove on the request (after zoo's
// own headers, which stay) and on the response (the app's and zoo's own pages alike).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Route } from "../../src/config/types.ts";
import { WIRES, fetchRaw, startBoth } from "./helpers/both.ts";
import { TestGate } from "./helpers/gate.ts";
import { echo } from "./helpers/net.ts";

const edits = (set: Record<string, string>, add: Record<string, string>, remove: string[]) => ({ set, add, remove });

describe("header rules over HTTP/1.1 and HTTP/2", () => {
  for (const wire of WIRES) {
    test(`${wire}: request and response headers set, added and removed; zoo's own headers stay`, async (t) => {
      const up = await echo(t);
      const route: Route = {
        prefix: "/",
        kind: "app",
        app: "web",
        stripPrefix: false,
        headers: {
          request: edits({ "X-Env": "production", "User-Agent": "zoo-rule" }, { "X-Tag": "added", Accept: "text/plain" }, ["X-Secret", "Cookie"]),
          response: edits({ "Cache-Control": "no-store", "X-Frame-Options": "DENY" }, { Vary: "Origin" }, ["Content-Type"]),
        },
      };
      const proxy = await startBoth(t, [route], new TestGate({ web: { port: up.port } }));
      const reply = await fetchRaw(wire, proxy, "/x", { headers: { "x-secret": "s", cookie: "a=1", accept: "application/json", "x-tag": "sent" } });
      assert.equal(reply.status, 200);
      const seen = (JSON.parse(reply.body.toString()) as { headers: Record<string, string> }).headers;
      assert.equal(seen["x-env"], "production");
      assert.equal(seen["user-agent"], "zoo-rule");
      assert.equal(seen["x-tag"], "sent, added");
      assert.equal(seen.accept, "application/json, text/plain");
      assert.equal(seen["x-secret"], undefined);
      assert.equal(seen.cookie, undefined);
      assert.equal(seen["x-forwarded-for"], "127.0.0.1");
      assert.equal(seen["x-request-id"], reply.headers["x-request-id"]);

      assert.equal(reply.headers["cache-control"], "no-store");
      assert.equal(reply.headers["x-frame-options"], "DENY");
      assert.equal(reply.headers.vary, "Origin");
      assert.equal(reply.headers["content-type"], undefined);
      assert.match(String(reply.headers["x-request-id"]), /./);

      // zoo's own answers on the route carry the response rules too.
      proxy.proxy.update({ routes: [{ ...route, app: "gone" }], upstreamTimeout: 5000, readyWait: 0, trustProxy: false, accessLog: true });
      const refused = await fetchRaw(wire, proxy, "/x");
      assert.equal(refused.status, 503);
      assert.equal(refused.headers["x-frame-options"], "DENY");
    });
  }
});
