/**
 * Time is injected everywhere so tests can drive it. `now()` is epoch
 * milliseconds; persisted times are integer epoch seconds (see `toEpochSeconds`).
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Truncates epoch milliseconds to whole epoch seconds. */
export function toEpochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Renders epoch seconds as ISO-8601 UTC without milliseconds, e.g. `2025-05-19T06:49:03Z`. */
export function isoFromSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Malaysia time is GMT+8 all year (no daylight saving). */
export const MALAYSIA_OFFSET_SECONDS = 8 * 3600;

/** Renders epoch seconds as `YYYY-MM-DD HH:mm:ss` in Malaysia time (GMT+8). */
export function malaysiaTimeFromSeconds(seconds: number): string {
  const iso = new Date((seconds + MALAYSIA_OFFSET_SECONDS) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
