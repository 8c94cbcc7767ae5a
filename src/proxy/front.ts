// What the plain listener answers itself when zoo also serves HTTPS: ACME HTTP-01 challenges, and (optionally)
// a 308 to the same URL over HTTPS. Both come before routing.
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestHost } from "./routes.ts";
import type { Target } from "./paths.ts";

export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

/** Answers an HTTP-01 challenge zoo has open; false when the path is no challenge zoo knows. */
export function answerAcmeChallenge(res: ServerResponse, path: string, challenge: ((token: string) => string | undefined) | undefined): boolean {
  if (challenge === undefined || !path.startsWith(ACME_CHALLENGE_PREFIX)) return false;
  const keyAuthorization = challenge(path.slice(ACME_CHALLENGE_PREFIX.length));
  if (keyAuthorization === undefined) return false;
  res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(keyAuthorization), "cache-control": "no-store" });
  res.end(keyAuthorization);
  return true;
}

/**
 * The HTTPS URL for a plain request, or undefined when its Host is no DNS name or address zoo could put in a
 * Location (the request is then routed as usual). Only the host is taken from the client, validated.
 */
export function httpsLocation(req: IncomingMessage, target: Target, httpsPort: number): string | undefined {
  const raw = target.authority ?? req.headers.host;
  if (raw === undefined) return undefined;
  const host = requestHost(raw);
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(host)) return undefined;
  const port = httpsPort === 443 ? "" : `:${httpsPort}`;
  return `https://${host}${port}${target.path}${target.query}`;
}

/** 308 keeps the method and body (RFC 9110 §15.4.9), unlike 301. */
export function redirectToHttps(res: ServerResponse, location: string): void {
  res.writeHead(308, { location, "content-length": 0 });
  res.end();
}
