import { MALAYSIA_OFFSET_SECONDS } from '../shared/clock.js';

const LAST_UPDATED_PATTERN = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

/** Accepted year range: anything outside is a garbled value, not a real update time. */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1-12) of `year`, Gregorian. Arithmetic rather than a Date: this runs once per check. */
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] as number;
}

/**
 * Parses IIMMPACT's `metadata.last_updated` (`DD-MM-YYYY HH:mm:ss`, GMT+8,
 * e.g. `19-05-2025 14:49:03`) into epoch seconds (UTC).
 *
 * Strict: returns null for anything that is not exactly that shape or is not a
 * real calendar time (`31-02-2025`, `25:00:00`, a leap second `:60`, a year
 * before 1970, surrounding whitespace, a non-string). Pure; never throws.
 */
export function parseLastUpdated(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const match = LAST_UPDATED_PATTERN.exec(text);
  if (match === null) return null;
  const day = Number(match[1]);
  const month = Number(match[2]);
  const year = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - MALAYSIA_OFFSET_SECONDS;
}

/**
 * Renders epoch seconds in IIMMPACT's `DD-MM-YYYY HH:mm:ss` GMT+8 format; the
 * inverse of `parseLastUpdated` for whole seconds from 1970-01-01 08:00 GMT+8
 * onwards. Used by the simulator and by tests. Never throws for finite input.
 */
export function formatLastUpdated(epochSeconds: number): string {
  const iso = new Date((Math.floor(epochSeconds) + MALAYSIA_OFFSET_SECONDS) * 1000).toISOString();
  // iso is `YYYY-MM-DDTHH:mm:ss.sssZ`
  return `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
}
