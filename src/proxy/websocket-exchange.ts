// A WebSocket upgrade and its session: answered raw on its socket, read while held so that a client that leaves is
// seen, reported when the socket closes (status 101 once upgraded).
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { BaseExchange, type ExchangeContext } from "./exchange-base.ts";
import { sendSocketPage } from "./pages.ts";

/** A client has no reason to send frames before its upgrade is answered: a little is kept, more ends it. */
const MAX_EARLY_BYTES = 64 * 1024;

export class WebSocketExchange extends BaseExchange {
  readonly websocket = true;
  /** The status written on the socket (101 once upgraded); none means the client left first (499). */
  #status: number | undefined = undefined;
  readonly #bytesReadBefore: number;

  readonly socket: Duplex;
  /** What the client sent after the upgrade request's head, before the upgrade event. */
  readonly #head: Buffer;
  /** What the client sent while held, for the upstream. */
  #early: Buffer[] | undefined = undefined;
  #earlyBytes = 0;

  constructor(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string, context: ExchangeContext) {
    super(req, requestId, context);
    this.socket = socket;
    this.#head = head;
    this.#bytesReadBefore = (socket as Socket).bytesRead - head.length;
  }

  get clientGone(): boolean {
    return this.socket.destroyed;
  }

  /**
   * The upgraded socket is no longer read by Node's server: read it while the upgrade is held, so that a client that
   * leaves is seen (and stops the hold). What it sends meanwhile is kept for the upstream, up to a bound.
   */
  watchWhileHeld(): void {
    if (this.#early !== undefined) return;
    this.#early = [];
    this.socket.on("data", this.#keepEarly);
    this.socket.once("end", this.#clientEnded);
  }

  /** What goes to the upstream after the handshake: the head, and whatever arrived while held. */
  takeHead(): Buffer {
    const early = this.#early;
    if (early === undefined) return this.#head;
    this.#early = undefined;
    this.socket.off("data", this.#keepEarly);
    this.socket.off("end", this.#clientEnded);
    this.socket.pause();
    return early.length === 0 ? this.#head : Buffer.concat([this.#head, ...early]);
  }

  readonly #keepEarly = (chunk: Buffer): void => {
    this.#earlyBytes += chunk.length;
    if (this.#earlyBytes > MAX_EARLY_BYTES) return void this.socket.destroy();
    this.#early?.push(chunk);
  };

  readonly #clientEnded = (): void => {
    this.socket.destroy();
  };

  /** The upstream's answer to the handshake (101, or a plain response) is being relayed with this status. */
  upstreamAnswered(status: number): void {
    this.disarmTimeout();
    this.#status = status;
    this.markHeaders();
  }

  /** zoo's own answer, written raw on the socket, which is then closed. */
  answer(status: number, detail: string, headers?: Record<string, string>): void {
    this.#status = status;
    this.markHeaders();
    sendSocketPage(this.socket, status, detail, { "X-Request-Id": this.requestId, ...headers });
  }

  /** Once, when the socket has closed: release and report. */
  finish(): void {
    this.stopUpstreamWork();
    const socket = this.socket as Socket;
    this.bytesIn = Math.max(0, (socket.bytesRead ?? 0) - this.#bytesReadBefore);
    this.report(this.#status ?? 499, socket.bytesWritten ?? 0, true);
  }
}
