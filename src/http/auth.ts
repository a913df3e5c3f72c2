import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Who may see what. Routes fall into four classes:
 * - `health`: `/healthz` — always answered; its body says nothing.
 * - `probe`: `/readyz` — the status code is always answered (orchestrators
 *   cannot easily hold a secret); the reasons in the body need access as for `page`.
 * - `page`: `/`, `/status.json` — public when there is no token or when
 *   `publicStatusPage` is true; otherwise they need the token.
 * - `api`: `/api/*`, `/metrics` — need the token whenever one is configured.
 *
 * A configured token is always enforced, on loopback too. Config validation
 * already refuses a non-loopback host without one.
 */
export type RouteAccess = 'health' | 'probe' | 'page' | 'api';

export interface AccessPolicy {
  /** Null: nothing needs a token (loopback only). */
  token: string | null;
  publicStatusPage: boolean;
}

/** True when `access` content may be shown to a request whose credentials check gave `authorized`. Pure. */
export function mayAccess(policy: AccessPolicy, access: RouteAccess, authorized: boolean): boolean {
  if (policy.token === null || authorized) return true;
  if (access === 'health') return true;
  if (access === 'page' || access === 'probe') return policy.publicStatusPage;
  return false;
}

/**
 * Builds a checker for the `Authorization` header. Accepts `Bearer TOKEN`
 * (Prometheus, curl, the checkout app) and `Basic` with TOKEN as the password
 * and any user name, so a browser can open a protected status page through its
 * own login prompt and then poll `/status.json` with the same credentials.
 *
 * Both sides are hashed before `timingSafeEqual`, so the comparison takes the
 * same time whatever the length or content of the guess. Never throws.
 */
export function createTokenChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const presented = presentedToken(authorization);
    if (presented === null) return false;
    return timingSafeEqual(digest(presented), expected);
  };
}

/** The token in a `Bearer` or `Basic` (password part) header, or null. Pure. */
export function presentedToken(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const match = /^\s*(Bearer|Basic)\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return null;
  const scheme = (match[1] as string).toLowerCase();
  const value = match[2] as string;
  if (scheme === 'bearer') return value;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped loopback. Pure. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  if (family === 4) return bare.startsWith('127.');
  if (family === 6) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}

/**
 * DNS-rebinding guard for the open (token-less, loopback) mode: a web page on
 * another site can make a browser resolve its own name to 127.0.0.1, but it
 * cannot make the browser send a loopback `Host` header. So without a token,
 * only requests addressed to a loopback name are served. Pure.
 */
export function isLoopbackHostHeader(hostHeader: string | undefined): boolean {
  if (hostHeader === undefined || hostHeader === '') return false;
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : (hostHeader.split(':')[0] ?? '');
  return isLoopbackAddress(host);
}
