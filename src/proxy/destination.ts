// Where one request goes, built once per target (client.ts builds it): Node's client's options, and for an app the
// origin its plain requests are dispatched to on undici. A leaf of its own: the route table holds it for outside
// origins, the transports read it.
import type { ServerOptions } from "http-proxy-3";

export interface Destination {
  options: ServerOptions;
  origin?: string;
}
