// Bytes of an HTTP/2 response. Its stream shares the connection with other streams, so the connection's byte count
// says nothing about one response (and the compatibility layer's socket has none): count the body as it is written.
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

export interface BodyCount {
  bytes: number;
}

/** Counts what goes through `res.write` and `res.end` (pipes write through them too) into the returned count. */
export function countHttp2Body(res: ServerResponse): BodyCount {
  const count: BodyCount = { bytes: 0 };
  const response = res as unknown as Http2ServerResponse;
  // The response is HTTP/2, so node:http2 is loaded: its methods are the ones to wrap.
  const { write, end } = Object.getPrototypeOf(response) as Http2ServerResponse;
  response.write = function (this: Http2ServerResponse, chunk: Chunk, ...rest: unknown[]): boolean {
    count.bytes += byteLength(chunk, rest[0]);
    return (write as (chunk: Chunk, ...rest: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Http2ServerResponse["write"];
  response.end = function (this: Http2ServerResponse, chunk?: Chunk | Callback, ...rest: unknown[]) {
    if (chunk !== undefined && typeof chunk !== "function") count.bytes += byteLength(chunk, rest[0]);
    return (end as (...args: unknown[]) => Http2ServerResponse).call(this, chunk, ...rest);
  } as Http2ServerResponse["end"];
  return count;
}

function byteLength(chunk: Chunk, encoding: unknown): number {
  if (typeof chunk !== "string") return chunk.byteLength;
  return Buffer.byteLength(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
}
