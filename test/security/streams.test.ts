// Finding 4: HTTP/2 advertises SETTINGS_MAX_CONCURRENT_STREAMS (limits.http2MaxStreams, default 100), and a client
// that opens more never gets more requests to the app. Before: no limit was advertised, and one connection's 300
// streams became 300 requests (and connections) to the app.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ERROR, FRAME, RawH2, SETTINGS_MAX_CONCURRENT_STREAMS, requestBlock } from "./h2-raw.ts";
import { linesEnding, startSecurityZoo, waitForLines } from "./helpers.ts";

test("HTTP/2: 100 streams at most; more are refused (REFUSED_STREAM), or end the connection once the limit is acknowledged", { timeout: 30_000 }, async (t) => {
  const { zoo, tlsPort, ca } = await startSecurityZoo(t);

  // 300 requests right after the preface, before the server's SETTINGS are acknowledged: 200 refused streams.
  const early = await RawH2.connect(tlsPort, "a.test", ca.ca, { acknowledge: false });
  t.after(() => early.close());
  const block = requestBlock("a.test", "/slow/early");
  for (let i = 0; i < 300; i++) early.request(block);
  const refused = () => early.received(FRAME.RST_STREAM).filter((frame) => early.errorCode(frame) === ERROR.REFUSED_STREAM).length;
  await early.until(() => refused() >= 200, "200 refused streams");
  assert.equal(early.settings.get(SETTINGS_MAX_CONCURRENT_STREAMS), 100);
  await waitForLines(zoo, "got /slow/early", 100);

  // A client that acknowledged the limit and still exceeds it: the connection ends (GOAWAY), nothing more goes on.
  const late = await RawH2.connect(tlsPort, "a.test", ca.ca);
  t.after(() => late.close());
  const lateBlock = requestBlock("a.test", "/slow/late");
  for (let i = 0; i < 300; i++) late.request(lateBlock);
  await late.until(() => late.received(FRAME.GOAWAY).length > 0, "a GOAWAY");
  assert.equal(late.errorCode(late.received(FRAME.GOAWAY)[0]), ERROR.PROTOCOL_ERROR);

  await sleep(500);
  assert.equal(linesEnding(zoo, "got /slow/early"), 100);
  assert.ok(linesEnding(zoo, "got /slow/late") <= 100);
  early.close();
  late.close();
});
