import { MALAYSIA_OFFSET_SECONDS } from '../shared/clock.js';
import { parseDuration } from '../shared/duration.js';
import { ReportInputError } from './report-input-error.js';

/** How dates without an explicit offset are read, and how times are shown. */
export type ReportTimeZone = 'malaysia' | 'utc';

export function zoneOffsetSeconds(zone: ReportTimeZone): number {
  return zone === 'utc' ? 0 : MALAYSIA_OFFSET_SECONDS;
}

export interface ReportWindowInput {
  /** Default `30d`. */
  from?: string;
  /** Default `now`. */
  to?: string;
  zone: ReportTimeZone;
}

export interface ParsedReportWindow {
  /** Inclusive start, epoch seconds. */
  from: number;
  /** Exclusive end, epoch seconds (may lie after now; reports stop at now). */
  to: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?)?)?$/i;
const WEEKS = /^(\d+)w$/;

/**
 * Parses `--from` / `--to`. Pure; throws ReportInputError with a one-line message.
 *
 * Accepted forms (dates and times without an offset are read in `zone`):
 * - `now`;
 * - a duration back from now: `90m`, `12h`, `7d`, `2w`, `1d12h`;
 * - a month `2024-10`: as `--from` its first second, as `--to` the whole month is included;
 * - a date `2024-10-01`: as `--from` its midnight, as `--to` the whole day is included;
 * - a time `2024-10-01T08:30`, `2024-10-01 08:30:15`, optionally with `Z` or `+08:00`.
 *
 * @param nowSeconds epoch seconds used for `now` and durations
 */
export function parseReportWindow(input: ReportWindowInput, nowSeconds: number): ParsedReportWindow {
  const from = parseTimeArgument(input.from ?? '30d', 'from', input.zone, nowSeconds);
  const to = parseTimeArgument(input.to ?? 'now', 'to', input.zone, nowSeconds);
  if (from >= to) throw new ReportInputError(`--from (${input.from ?? '30d'}) must be before --to (${input.to ?? 'now'})`);
  if (from >= nowSeconds) throw new ReportInputError(`--from (${input.from}) is in the future; nothing has been recorded yet`);
  return { from, to };
}

/** Parses one `--from` or `--to` value to epoch seconds. Throws ReportInputError. */
export function parseTimeArgument(text: string, edge: 'from' | 'to', zone: ReportTimeZone, nowSeconds: number): number {
  const value = text.trim();
  if (value.toLowerCase() === 'now') return nowSeconds;

  const weeks = WEEKS.exec(value);
  if (weeks) return nowSeconds - Number(weeks[1]) * 7 * 86_400;
  const durationMs = /^\d/.test(value) && !value.includes('-') ? parseDuration(value) : null;
  if (durationMs !== null) return nowSeconds - Math.floor(durationMs / 1000);

  const match = DATE_TIME.exec(value);
  if (!match) throw invalid(text, edge, zone);
  const [, y, mo, d, h, mi, s, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw invalid(text, edge, zone);
  }
  const offsetSeconds = offset === undefined ? zoneOffsetSeconds(zone) : parseOffset(offset);
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  let at = wallClock - offsetSeconds;
  // A bare month or date given as --to includes the whole of it: "--to 2024-10-31" means up to November.
  if (edge === 'to' && h === undefined) {
    at = d === undefined ? Date.UTC(year, month, 1) / 1000 - offsetSeconds : at + 86_400;
  }
  return at;
}

function parseOffset(text: string): number {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function invalid(text: string, edge: 'from' | 'to', zone: ReportTimeZone): ReportInputError {
  const zoneName = zone === 'utc' ? 'UTC' : 'Malaysia time (GMT+8)';
  return new ReportInputError(
    `--${edge}: expected a date (2024-10-01), a month (2024-10), a time (2024-10-01T08:30, read in ${zoneName}), now, or a duration back from now (7d, 12h, 2w); got "${text}"`,
  );
}
