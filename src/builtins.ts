// Node's built-in modules that cost memory only by being imported, taken with process.getBuiltinModule instead.
// Measured on Node 24 against an empty server (47 MB RSS):
// - an ES import of node:http builds its whole namespace, and reading its `WebSocket` export loads Node's internal
//   copy of undici (fetch, WebSocket): +12 MB that zoo never uses;
// - node:tls +7 MB, node:http2 +11 MB (tls with it): taken when a config uses TLS, not at start.
// Types still come from `import type … from "node:…"`, which leaves nothing behind.
export const http = process.getBuiltinModule("node:http");
export const tlsModule = () => process.getBuiltinModule("node:tls");
export const http2Module = () => process.getBuiltinModule("node:http2");
