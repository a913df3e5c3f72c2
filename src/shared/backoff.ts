/**
 * Capped exponential backoff with full jitter, in ms. Pure apart from `random`.
 * attempt 1 waits up to `baseMs`, attempt 2 up to 2×, ... never more than `maxMs`.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: spreads retries without ever retrying instantly.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Parses an HTTP `Retry-After` header (seconds or an HTTP date) into ms from `nowMs`; null if absent or invalid. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}
