import { createHash } from 'node:crypto';

/**
 * Headers sent on every response. The daemon serves no third-party content
 * and nothing that should be framed, sniffed or sent a referrer; the status
 * page gets a stricter, hash-based CSP from `pageContentSecurityPolicy`.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
});

/** `'sha256-…'` source expression for an inline `<script>` or `<style>` body, exactly as served. Pure. */
export function cspHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

/**
 * The status page's CSP: only the page's own inline script and style (by
 * hash, so an injected `<script>` cannot run even if escaping ever failed),
 * fetches to this origin only, and `data:` images (the favicon). No CDN, no
 * external images: the machine may be offline.
 */
export function pageContentSecurityPolicy(inline: { scripts: readonly string[]; styles: readonly string[] }): string {
  return [
    "default-src 'none'",
    `script-src ${inline.scripts.map(cspHash).join(' ')}`,
    `style-src ${inline.styles.map(cspHash).join(' ')}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
