/**
 * Escaping and length clamping for text that leaves netwatch. Everything that
 * came from the IIMMPACT API (names, codes, image URLs) is untrusted: a
 * product called `<!channel>` must not ping anyone, and one called
 * `<script>` must not run in a mail client.
 */

/** Slack's three control characters; Slack asks for exactly these entities and no others. Pure. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML text and attribute escaping. Pure. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** C0 controls (CR and LF among them), DEL, NEL and the Unicode line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters from header text is the point.
const HEADER_BREAKERS = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/g;

/**
 * Makes text safe for a single mail header line: CR, LF, other control
 * characters and Unicode line separators become spaces, runs of whitespace
 * collapse, and the result is clamped to `max` characters. Pure.
 */
export function sanitizeHeader(text: string, max = 200): string {
  const flat = text.replace(HEADER_BREAKERS, ' ').replace(/\s+/g, ' ').trim();
  return clampText(flat, max);
}

/**
 * Shortens `text` to at most `max` UTF-16 units, ending with `…` when cut.
 * Never splits a surrogate pair or an `&...;` entity produced by the escapers
 * above, so clamped escaped text stays valid. Pure.
 */
export function clampText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = text.slice(0, max - 1);
  // A trailing partial entity such as `&am` would render as garbage.
  cut = cut.replace(/&[#a-zA-Z0-9]{0,6}$/, '');
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Accepts only absolute http(s) URLs without whitespace or quotes; anything else becomes null. Pure. */
export function safeHttpUrl(value: string | null | undefined, max = 3000): string | null {
  if (!value || value.length > max || /[\s"'<>\\]/.test(value)) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
