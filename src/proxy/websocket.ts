// The upgrade path: a WebSocket handshake becomes an exchange that goes through the same admission as a request,
// is answered raw on its socket when refused, and is reported once when the socket closes.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { refuse, type Admission } from "./admission.ts";
import { WebSocketExchange, type ExchangeContext } from "./exchange.ts";
import { requestIdFor } from "./request-id.ts";

function noop() {}

export interface UpgradeOptions {
  /** The admission and trustProxy of the current settings (a reload swaps them). */
  current(): { admission: Admission; trustProxy: boolean };
  context: ExchangeContext;
  /** True once the server is shutting down: new sessions are refused. */
  closing(): boolean;
}

/** Sockets of upgraded (or upgrading) exchanges, which the HTTP server no longer tracks, so close() can end them. */
export class Upgrades {
  readonly #options: UpgradeOptions;
  readonly #open = new Set<Duplex>();

  constructor(options: UpgradeOptions) {
    this.#options = options;
  }

  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", noop); // a client reset before http-proxy-3 attaches its own listener
    const { context, closing } = this.#options;
    const { admission, trustProxy } = this.#options.current();
    const exchange = new WebSocketExchange(req, socket, head, requestIdFor(req.headers, trustProxy), context);
    this.#open.add(socket);
    socket.once("close", () => {
      this.#open.delete(socket);
      exchange.finish();
    });
    if (closing()) return refuse(exchange, 503, "zoo is shutting down");
    admission.admit(exchange);
  };

  destroyAll(): void {
    for (const socket of this.#open) socket.destroy();
  }
}
