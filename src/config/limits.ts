// The `limits` section: what one client may hold of zoo (time, connections, HTTP/2 streams), each with a default
// a public server can run with (nginx's and HAProxy's where they have one).
import { z } from "zod";
import { LIMIT_DEFAULTS } from "./types.ts";

const seconds = (ms: number) => `${ms / 1000}s`;

/** Built with the config's Duration type (passed in, so that schema.ts and this file do not import each other). */
export function limitsSchema(duration: z.ZodType<number, number | string>) {
  return z.strictObject({
    headerTimeout: duration.default(LIMIT_DEFAULTS.headerTimeout).meta({
      description: `A client connection that has not sent a whole request head this long after connecting (or after it began one) is closed. Default ${seconds(LIMIT_DEFAULTS.headerTimeout)}.`,
    }),
    keepAliveTimeout: duration.default(LIMIT_DEFAULTS.keepAliveTimeout).meta({
      description: `An idle keep-alive connection (an HTTP/2 connection with no open stream) is closed after this long. Default ${seconds(LIMIT_DEFAULTS.keepAliveTimeout)}.`,
    }),
    bodyTimeout: duration.default(LIMIT_DEFAULTS.bodyTimeout).meta({
      description: `A request body with no byte for this long ends its request: 408 when no answer has begun. 0: no limit. Default ${seconds(LIMIT_DEFAULTS.bodyTimeout)}.`,
    }),
    maxConnections: z.number().int().min(1).default(LIMIT_DEFAULTS.maxConnections).meta({
      description: `Client connections open at once, plain and HTTPS together; beyond it a new connection is closed at once. Default ${LIMIT_DEFAULTS.maxConnections}.`,
    }),
    http2MaxStreams: z.number().int().min(1).max(2 ** 31 - 1).default(LIMIT_DEFAULTS.http2MaxStreams).meta({
      description: `SETTINGS_MAX_CONCURRENT_STREAMS: streams one HTTP/2 connection may have open; more are refused (REFUSED_STREAM). Default ${LIMIT_DEFAULTS.http2MaxStreams}.`,
    }),
  });
}
