import { createHash } from 'node:crypto';

/**
 * What a route handler returns. Handlers never touch the socket: the server
 * adds security headers, ETag/304 handling, compression and HEAD semantics.
 */
export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  /** Send a strong ETag of the body and answer a matching If-None-Match with 304. */
  etag?: boolean;
}

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';

/** A JSON reply; `undefined` values are dropped by JSON.stringify. Pure. */
export function jsonReply(status: number, value: unknown, extra: Omit<Reply, 'status' | 'contentType' | 'body'> = {}): Reply {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value)}\n`, ...extra };
}

/** `{ "error": code, "message": ... }`, the shape of every error reply. Pure. */
export function errorReply(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return jsonReply(status, { error: code, message }, headers ? { headers } : {});
}

/** A strong ETag for a body: the first 128 bits of its SHA-256, base64url. Pure. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body, 'utf8').digest('base64url').slice(0, 22)}"`;
}

/** True when an If-None-Match header lists `etag` (or `*`); weak validators match too. Pure. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((candidate) => {
    const value = candidate.trim();
    return value === '*' || value === etag || value === `W/${etag}`;
  });
}
