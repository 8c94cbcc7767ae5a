// What an upstream failure means, whichever transport saw it: the status it is answered with, the kind the metrics
// count, and when to try again.
import type { UpstreamErrorKind } from "./record.ts";

// An app that has just died may still count as ready for a few milliseconds, until the supervisor sees its exit:
// try again after 10, 20, 40, 80 and 160 ms before answering 502.
const RETRY_FIRST_DELAY_MS = 10;
const MAX_RETRIES = 5;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

export interface UpstreamFailure {
  status: 502 | 504;
  detail: string;
  kind: UpstreamErrorKind;
}

/** The answer to a failed upstream request: 504 when zoo gave up waiting for the head, else 502 with the cause. */
export function classifyFailure(error: Error & { code?: string }, timedOut: boolean, upstreamTimeout: number): UpstreamFailure {
  if (timedOut) return { status: 504, detail: `no response within ${upstreamTimeout} ms`, kind: "timeout" };
  return { status: 502, detail: describe(error), kind: errorKind(error) };
}

export function errorKind(error: Error & { code?: string }): UpstreamErrorKind {
  switch (error.code) {
    case "ECONNREFUSED":
      return "refused";
    case "UND_ERR_SOCKET":
      return switchedProtocols(error) ? "other" : "reset";
    case "ECONNRESET":
    case "EPIPE":
      return "reset";
    case "ETIMEDOUT":
      return "timeout";
    default:
      return "other";
  }
}

function describe(error: Error & { code?: string }): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset before a response";
    case "UND_ERR_SOCKET":
      // undici's words for a connection the app closed or broke before its answer.
      return switchedProtocols(error) ? "the app switched protocols on a plain request" : "connection reset before a response";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return error.code ?? error.message;
  }
}

/** A 101 to a request that asked for no upgrade (undici's "bad upgrade"; RFC 9110 §15.2.2). */
function switchedProtocols(error: Error & { code?: string }): boolean {
  return error.code === "UND_ERR_SOCKET" && error.message === "bad upgrade";
}

/**
 * undici refuses a 100 Continue that was not asked for ("bad response"), which RFC 9110 §15.2 tells a client to
 * skip: Node's client does, so zoo sends such a request again through it.
 */
export function isUnaskedContinue(error: Error & { code?: string }): boolean {
  return error.code === "UND_ERR_SOCKET" && error.message === "bad response";
}

/**
 * Safe to send again: nothing was answered yet, the request has no body to replay, and either the connection was
 * refused (the app never saw the request) or the method is idempotent (RFC 9110 §9.2.2). A connection closed before
 * the answer is a reset, whichever client saw it (Node says ECONNRESET, undici UND_ERR_SOCKET).
 */
export function isRetryable(error: Error & { code?: string }, method: string, hasBody: boolean, attempts: number): boolean {
  if (attempts >= MAX_RETRIES || hasBody) return false;
  if (error.code === "ECONNREFUSED") return true;
  const reset = error.code === "ECONNRESET" || (error.code === "UND_ERR_SOCKET" && !switchedProtocols(error));
  return reset && IDEMPOTENT.has(method);
}

/** Waits 10, 20, 40… ms before the nth attempt again. */
export function retryDelay(attempt: number): number {
  return RETRY_FIRST_DELAY_MS * 2 ** (attempt - 1);
}
