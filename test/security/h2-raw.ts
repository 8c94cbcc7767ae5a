// A raw HTTP/2 client over TLS that writes frames itself: it can do what a well-behaved client library refuses to
// (more streams than the server allows, a stream reset right after its HEADERS, a `host` that differs from
// :authority), and it reports every frame the server sends.
import { once } from "node:events";
import tls from "node:tls";

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const ERROR = { NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, REFUSED_STREAM: 7, CANCEL: 8, ENHANCE_YOUR_CALM: 11 } as const;
export const SETTINGS_MAX_CONCURRENT_STREAMS = 3;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const ACK = 0x1;

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  if (bytes.length > 126) throw new Error("hpackString: keep test strings short");
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** A request head in HPACK, every field a literal without indexing (no dynamic table on either side). */
export function requestBlock(authority: string, path: string, extra: Array<[string, string]> = [], method = "GET"): Buffer {
  const parts: Buffer[] = [];
  parts.push(method === "GET" ? Buffer.from([0x82]) : Buffer.concat([Buffer.from([0x02]), hpackString(method)]));
  parts.push(Buffer.from([0x87])); // :scheme https
  parts.push(Buffer.from([0x04]), hpackString(path)); // :path, name from the static table
  parts.push(Buffer.from([0x01]), hpackString(authority)); // :authority
  for (const [name, value] of extra) parts.push(Buffer.from([0x00]), hpackString(name), hpackString(value));
  return Buffer.concat(parts);
}

export class RawH2 {
  readonly socket: tls.TLSSocket;
  readonly frames: Frame[] = [];
  /** The server's SETTINGS values, by identifier. */
  readonly settings = new Map<number, number>();
  #buffer = Buffer.alloc(0);
  #nextStream = 1;
  #waiters = new Set<() => void>();
  closed = false;

  readonly #acknowledge: boolean;

  private constructor(socket: tls.TLSSocket, acknowledge: boolean) {
    this.socket = socket;
    this.#acknowledge = acknowledge;
    socket.on("data", (chunk: Buffer) => this.#read(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
  }

  /**
   * A connection that has sent its preface. `acknowledge: false`: the server's SETTINGS are neither awaited nor
   * acknowledged (a client that starts sending requests at once), so the server's limits are still pending.
   */
  static async connect(port: number, servername: string, ca: string, { acknowledge = true } = {}): Promise<RawH2> {
    const socket = tls.connect({ host: "127.0.0.1", port, servername, ca, ALPNProtocols: ["h2"] });
    await once(socket, "secureConnect");
    if (socket.alpnProtocol !== "h2") throw new Error(`ALPN chose ${socket.alpnProtocol}`);
    socket.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), frame(FRAME.SETTINGS, 0, 0)]));
    const h2 = new RawH2(socket, acknowledge);
    if (acknowledge) await h2.until(() => h2.frames.some((f) => f.type === FRAME.SETTINGS && !(f.flags & ACK)), "the server's SETTINGS");
    return h2;
  }

  /** Opens a stream with a whole request (HEADERS with END_STREAM unless `body`); returns its id. */
  request(block: Buffer, { endStream = true } = {}): number {
    const id = this.#nextStream;
    this.#nextStream += 2;
    this.socket.write(frame(FRAME.HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id, block));
    return id;
  }

  /** HEADERS and RST_STREAM(CANCEL) for `count` new streams, in one write: the rapid reset of CVE-2023-44487. */
  rapidReset(block: Buffer, count: number): boolean {
    const frames: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.#nextStream;
      this.#nextStream += 2;
      frames.push(frame(FRAME.HEADERS, END_HEADERS | END_STREAM, id, block), this.reset(id, ERROR.CANCEL, false));
    }
    return this.socket.write(Buffer.concat(frames));
  }

  reset(stream: number, code: number = ERROR.CANCEL, send = true): Buffer {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    const bytes = frame(FRAME.RST_STREAM, 0, stream, payload);
    if (send) this.socket.write(bytes);
    return bytes;
  }

  /** Frames of a type the server sent so far (for one stream when given). */
  received(type: number, stream?: number): Frame[] {
    return this.frames.filter((f) => f.type === type && (stream === undefined || f.stream === stream));
  }

  /** The error code of a RST_STREAM or GOAWAY frame. */
  errorCode(f: Frame): number {
    return f.payload.readUInt32BE(f.type === FRAME.GOAWAY ? 4 : 0);
  }

  until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const check = () => {
        if (condition()) done();
        else if (this.closed) done(new Error(`connection closed before ${what}`));
      };
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) break;
      const f: Frame = { type: this.#buffer[3], flags: this.#buffer[4], stream: this.#buffer.readUInt32BE(5) & 0x7fffffff, payload: this.#buffer.subarray(9, 9 + length) };
      this.#buffer = this.#buffer.subarray(9 + length);
      this.frames.push(f);
      if (f.type === FRAME.SETTINGS && !(f.flags & ACK)) {
        for (let i = 0; i + 6 <= f.payload.length; i += 6) this.settings.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
        if (this.#acknowledge) this.socket.write(frame(FRAME.SETTINGS, ACK, 0));
      }
      if (f.type === FRAME.PING && !(f.flags & ACK)) this.socket.write(frame(FRAME.PING, ACK, 0, f.payload));
    }
    this.#wake();
  }

  #wake(): void {
    for (const check of this.#waiters) check();
  }
}
