// Where one request goes: an outside origin (a proxy route's target, only ever on Node's client), or an app's instance
// (plain requests on undici, to `origin`). Plain data, so that building one loads no client: the route table holds
// outside origins, the transports read them.
export type Destination = OriginDestination | AppDestination;
export type OriginDestination = { kind: "origin"; url: URL };
export type AppDestination = { kind: "app"; host: string; port: number; origin: string };
