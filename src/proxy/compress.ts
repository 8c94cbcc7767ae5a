// Response compression, negotiated and skipped the way Caddy's encode does it: the client's Accept-Encoding with its
// q-values (ties go to zstd, then br, then gzip), only types worth compressing, never a response that is encoded
// already, partial (206), marked no-transform or shorter than minLength. Streamed through zlib with backpressure both
// ways; flushed whenever the producer pauses, so a slow stream (long poll, NDJSON) is not held in the compressor.
import type { ServerResponse } from "node:http";
import zlib from "node:zlib";
import type { Transform } from "node:stream";
import type { CompressOptions } from "../config/types.ts";
import { onResponseHead, type HeadFields } from "./response-head.ts";

export type Encoding = "zstd" | "br" | "gzip";
const PREFERENCE: readonly Encoding[] = ["zstd", "br", "gzip"];

/** Levels chosen for a proxy's CPU budget (zlib's own defaults, brotli's 11 above all, are for files built once). */
const GZIP_LEVEL = 3;
const BROTLI_QUALITY = 4;
const BROTLI_WINDOW_BITS = 19;
const ZSTD_LEVEL = 3;

export interface CompiledCompress {
  /** The response's media type (without parameters, lowercase) is one to compress. */
  compressible(type: string): boolean;
  minLength: number;
}

export function compileCompress(options: CompressOptions): CompiledCompress {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const type of options.types) {
    const lower = type.toLowerCase();
    if (!lower.includes("*")) exact.add(lower);
    else patterns.push(new RegExp(`^${lower.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`));
  }
  return {
    minLength: options.minLength,
    // An event stream's events must reach the client as they come: only a type list that names it compresses it.
    compressible: (type) => exact.has(type) || (type !== "text/event-stream" && patterns.some((pattern) => pattern.test(type))),
  };
}

/** The encoding to use for an Accept-Encoding value: the highest q-value zoo can produce, ties by zoo's preference. */
export function negotiateEncoding(accept: string | undefined): Encoding | undefined {
  if (!accept) return undefined;
  const q = new Map<string, number>();
  for (const part of accept.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    let weight = 1;
    for (const param of params) {
      const [key, value] = param.trim().split("=");
      if (key === "q") weight = Number(value);
    }
    if (Number.isFinite(weight)) q.set(name.trim(), Math.min(1, Math.max(0, weight)));
  }
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const encoding of PREFERENCE) {
    const weight = q.get(encoding) ?? (encoding === "gzip" ? q.get("x-gzip") : undefined) ?? q.get("*") ?? 0;
    if (weight > bestQ) {
      best = encoding;
      bestQ = weight;
    }
  }
  return best;
}

function createEncoder(encoding: Encoding, length: number | undefined): Transform {
  switch (encoding) {
    case "gzip":
      return zlib.createGzip({ level: GZIP_LEVEL });
    case "br":
      return zlib.createBrotliCompress({
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
          ...(length !== undefined && { [zlib.constants.BROTLI_PARAM_SIZE_HINT]: length }),
        },
      });
    case "zstd":
      return zlib.createZstdCompress({
        params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL, ...(length !== undefined && { [zlib.constants.ZSTD_c_contentSizeFlag]: 1 }) },
        ...(length !== undefined && { pledgedSrcSize: length }),
      });
  }
}

/** Why a response with this head is sent as is; undefined: compress it. Only called for a compressible type. */
function skipReason(status: number, head: HeadFields, minLength: number): string | undefined {
  if (status < 200 || status === 204 || status === 206 || status === 304) return "no body to compress, or a range";
  const encoding = head.get("content-encoding");
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") return "already encoded";
  if (/(^|,)\s*no-transform\s*(,|$)/i.test(head.get("cache-control") ?? "")) return "no-transform";
  const length = head.get("content-length");
  if (length !== undefined && Number(length) < minLength) return "short";
  return undefined;
}

function addVary(head: HeadFields): void {
  const vary = head.get("vary");
  if (vary === undefined) return head.set("Vary", "Accept-Encoding");
  if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(vary)) return;
  head.set("Vary", `${vary}, Accept-Encoding`);
}

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

/**
 * Makes `res` compress its body when its head allows it. `edit` runs first on the head (a route's response header
 * rules). Called before anything is written; HEAD requests and WebSockets never come here.
 */
export function compressResponse(res: ServerResponse, accept: string | undefined, options: CompiledCompress, edit?: (head: HeadFields) => void): void {
  const encoding = negotiateEncoding(accept);
  let encoder: Transform | undefined;
  const write = res.write as (chunk: Chunk, ...rest: unknown[]) => boolean;
  const end = res.end as (...args: unknown[]) => ServerResponse;

  onResponseHead(res, (status, head) => {
    edit?.(head);
    const type = (head.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type === "" || !options.compressible(type)) return;
    if (skipReason(status, head, options.minLength) !== undefined) return addVary(head);
    addVary(head);
    if (encoding === undefined) return;
    const length = head.get("content-length");
    head.remove("content-length");
    // A range of the compressed body is not a range of the file: ranges are served (uncompressed) only when asked for.
    head.remove("accept-ranges");
    head.set("Content-Encoding", encoding);
    const etag = head.get("etag");
    if (etag !== undefined && !etag.startsWith("W/")) head.set("ETag", `W/${etag}`);
    encoder = startEncoder(res, createEncoder(encoding, length === undefined ? undefined : Number(length)), write, end);
  });

  const ensureHead = (last?: Chunk, encodingArg?: unknown) => {
    if (res.headersSent) return;
    // A whole body given at once (zoo's pages, a first write that is also the last): its length decides minLength.
    if (last !== undefined && res.getHeader("content-length") === undefined) {
      res.setHeader("content-length", typeof last === "string" ? Buffer.byteLength(last, typeof encodingArg === "string" ? (encodingArg as BufferEncoding) : "utf8") : last.byteLength);
    }
    res.writeHead(res.statusCode);
  };

  res.write = function (this: ServerResponse, chunk: Chunk, ...rest: unknown[]): boolean {
    ensureHead();
    if (encoder === undefined) return write.call(this, chunk, ...rest);
    scheduleFlush(encoder);
    return encoder.write(chunk, ...(rest as [BufferEncoding, Callback]));
  } as ServerResponse["write"];

  res.end = function (this: ServerResponse, chunk?: Chunk | Callback, ...rest: unknown[]) {
    const data = typeof chunk === "function" ? undefined : chunk;
    ensureHead(data === null ? undefined : data, rest[0]);
    if (encoder === undefined) return end.call(this, chunk, ...rest);
    const callback = [chunk, ...rest].find((arg) => typeof arg === "function") as Callback | undefined;
    if (callback) this.once("finish", callback);
    if (data === undefined || data === null) encoder.end();
    else if (typeof rest[0] === "string") encoder.end(data, rest[0] as BufferEncoding);
    else encoder.end(data);
    return this;
  } as ServerResponse["end"];
}

/** Pipes the encoder's output into the response by hand (the response's write and end are zoo's own now). */
function startEncoder(res: ServerResponse, encoder: Transform, write: (chunk: Chunk) => boolean, end: () => ServerResponse): Transform {
  encoder.on("data", (chunk: Buffer) => {
    if (!write.call(res, chunk)) {
      encoder.pause();
      res.once("drain", () => encoder.resume());
    }
  });
  encoder.once("end", () => end.call(res));
  // The producer waits for the response's 'drain' when write() said false: the encoder's room is the response's room.
  encoder.on("drain", () => res.emit("drain"));
  encoder.once("error", (error) => res.destroy(error));
  res.once("close", () => encoder.destroy());
  return encoder;
}

const kFlushScheduled = Symbol("zoo.flushScheduled");
type Flushable = Transform & { flush(callback?: () => void): void; [kFlushScheduled]?: boolean };

/** Once the producer has written what it has for now (the event loop turns), what the encoder holds goes out. */
function scheduleFlush(encoder: Transform): void {
  const flushable = encoder as Flushable;
  if (flushable[kFlushScheduled]) return;
  flushable[kFlushScheduled] = true;
  setImmediate(flushPending, flushable);
}

function flushPending(encoder: Flushable): void {
  encoder[kFlushScheduled] = false;
  if (!encoder.writableEnded && !encoder.destroyed) encoder.flush();
}
