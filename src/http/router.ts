import type { RouteAccess } from './auth.js';
import type { Reply } from './reply.js';

/** What a handler sees of a request. */
export interface RouteRequest {
  /** Path parameters by name, already percent-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** True when the request carried the configured token (or none is configured). */
  authorized: boolean;
  /** Whether this request may see `page`-class content (the readiness details use it). */
  mayViewPage: boolean;
}

export interface Route {
  /** Exact path, or segments with `:name` placeholders, e.g. `/api/v1/status/:code`. */
  path: string;
  access: RouteAccess;
  handle: (request: RouteRequest) => Promise<Reply> | Reply;
}

export type RouteMatch = { route: Route; params: Record<string, string> };

/**
 * A tiny exact-match router: GET/HEAD only (the server refuses other
 * methods before routing), no prefixes, no trailing-slash guessing and no
 * file system, so there is nothing to list or traverse.
 */
export function createRouter(routes: readonly Route[]): (pathname: string) => RouteMatch | null {
  const compiled = routes.map((route) => ({ route, segments: route.path.split('/') }));
  return (pathname) => {
    const segments = pathname.split('/');
    for (const { route, segments: pattern } of compiled) {
      if (pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < pattern.length; i++) {
        const expected = pattern[i] as string;
        const actual = segments[i] as string;
        if (expected.startsWith(':')) {
          if (actual === '') {
            matched = false;
            break;
          }
          let decoded: string;
          try {
            decoded = decodeURIComponent(actual);
          } catch {
            matched = false;
            break;
          }
          params[expected.slice(1)] = decoded;
        } else if (expected !== actual) {
          matched = false;
          break;
        }
      }
      if (matched) return { route, params };
    }
    return null;
  };
}
