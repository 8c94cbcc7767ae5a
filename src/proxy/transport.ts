// The upstream as one interface (Caddy's RoundTripper): a transport sends an exchange's request, already rewritten
// (upstream-request.ts), to a destination, hands the answer to the one relay (relay.ts), and reports a request that
// got no answer to `failed`, where client.ts decides what that means (retry, 502, 504). Two transports:
// undici-transport.ts (plain requests to apps) and node-transport.ts (http-proxy-3: WebSockets, outside origins).
import type { Destination } from "./destination.ts";
import type { Exchange } from "./exchange.ts";

export type { Destination } from "./destination.ts";

/** An upstream failure as either transport reports it (Node's and undici's error codes). */
export type UpstreamError = Error & { code?: string };

/** Called once per attempt that got no answer zoo can relay. */
export type UpstreamFailed = (exchange: Exchange, error: UpstreamError) => void;

export interface Transport {
  /** Sends the exchange's request; the answer reaches the client through relay.ts, a failure goes to `failed`. */
  send(exchange: Exchange, destination: Destination): void;
  /** Drops the transport's pooled connections. */
  close(): void;
}
