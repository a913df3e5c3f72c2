/**
 * Replaces every known secret value in a string with `[REDACTED]`. A last line
 * of defence for text that structured redaction cannot see: error messages,
 * response bodies and serialised log lines. Values shorter than 6 characters
 * are ignored so that redaction cannot mangle ordinary words.
 */
export type Scrubber = (text: string) => string;

export function createScrubber(secrets: ReadonlyArray<string | undefined | null>): Scrubber {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6))];
  // Also catch the forms a secret takes inside URLs and JSON strings.
  const variants = new Set<string>();
  for (const value of values) {
    variants.add(value);
    variants.add(encodeURIComponent(value));
    variants.add(JSON.stringify(value).slice(1, -1));
  }
  if (variants.size === 0) return (text) => text;
  const sorted = [...variants].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, '[REDACTED]');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
