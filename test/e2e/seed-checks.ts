// What the seed story promises through zoo's one port, checked byte for byte: shared by the e2e test
// (zoo from source) and the container test (zoo in the image).
import assert from "node:assert/strict";
import { request } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/zoo-process.ts";

export const SEED_LINES: [path: string, body: string][] = [
  ["/", "I'm Python!\r\n[]\r\n"],
  ["/a/b/c", "I'm Python!\r\n[a/b/c]\r\n"],
  ["/node", "I'm Node!\r\n[/node]\r\n"],
  ["/node/a/b/c", "I'm Node!\r\n[/node/a/b/c]\r\n"],
  ["/go", "I'm Go!\r\n[/go]\n"],
  ["/go/a/b/c", "I'm Go!\r\n[/go/a/b/c]\n"],
];

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One GET on a fresh connection; the body as raw bytes, so that \r\n versus \n is checked. */
export function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** GETs each path until it answers 200 (while an app starts, zoo holds requests, then answers 503). */
export async function waitFor200(port: number, paths: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    paths.map(async (path) => {
      let last = "no answer";
      while (Date.now() < deadline) {
        const reply = await get(port, path).catch((error: Error) => ({ status: 0, body: Buffer.from(error.message) }));
        if (reply.status === 200) return;
        last = `${reply.status} ${reply.body.toString()}`;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`GET ${path} did not answer 200 within ${timeoutMs}ms; last: ${last}`);
    }),
  );
}

/** Every line of the seed story: the three apps, the Google redirect (by its Location: no internet needed), static files. */
export async function checkSeedRoutes(port: number): Promise<void> {
  for (const [path, body] of SEED_LINES) {
    const reply = await get(port, path);
    assert.equal(reply.status, 200, `GET ${path}: ${reply.body}`);
    assert.deepEqual(reply.body, Buffer.from(body), `GET ${path}: ${JSON.stringify(reply.body.toString())}`);
    assert.match(String(reply.headers["content-type"]), /^text\/plain/, `GET ${path} content type`);
  }

  const google = await get(port, "/google/?q=abc");
  assert.equal(google.status, 302, "GET /google/?q=abc");
  assert.equal(google.headers.location, "https://www.google.com/?q=abc");

  const index = readFileSync(join(ROOT, "fixtures/static/index.html"));
  for (const path of ["/static/", "/static/index.html"]) {
    const reply = await get(port, path);
    assert.equal(reply.status, 200, `GET ${path}`);
    assert.deepEqual(reply.body, index, `GET ${path}`);
    assert.match(String(reply.headers["content-type"]), /^text\/html/, `GET ${path} content type`);
  }
}
