// X-Request-Id: one ID per exchange, sent to the app, back to the client and into the access log, so that an app's
// log line and zoo's can be joined.
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Long enough for any ID scheme in use (UUIDs, ULIDs, Heroku's 20–200 characters), short enough for a log line. */
const MAX_LENGTH = 200;

/**
 * The client's X-Request-Id when zoo trusts the hop before it and the ID is 1–200 visible ASCII characters;
 * otherwise a new one. (Two X-Request-Id headers arrive joined by ", ": not one ID, so replaced.)
 */
export function requestIdFor(headers: IncomingHttpHeaders, trustProxy: boolean): string {
  if (trustProxy) {
    const sent = headers["x-request-id"];
    if (typeof sent === "string" && isValidRequestId(sent)) return sent;
  }
  return randomUUID();
}

function isValidRequestId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_LENGTH) return false;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}
