import { MALAYSIA_OFFSET_SECONDS } from '../shared/clock.js';

/**
 * Bucket arithmetic for rollups, in integer epoch seconds. Pure.
 *
 * Hours are UTC hours, which are also Malaysia hours (GMT+8 is a whole number
 * of hours). Days are Malaysia days: they start at 16:00 UTC.
 */
export const HOUR_SECONDS = 3600;
export const DAY_SECONDS = 86_400;

/** Start of the hour containing `t`. */
export function hourStart(t: number): number {
  return Math.floor(t / HOUR_SECONDS) * HOUR_SECONDS;
}

/** Start of the first hour at or after `t`. */
export function hourCeil(t: number): number {
  return Math.ceil(t / HOUR_SECONDS) * HOUR_SECONDS;
}

/** Start of the day containing `t`, for a zone `offsetSeconds` east of UTC (Malaysia by default). */
export function dayStart(t: number, offsetSeconds: number = MALAYSIA_OFFSET_SECONDS): number {
  return Math.floor((t + offsetSeconds) / DAY_SECONDS) * DAY_SECONDS - offsetSeconds;
}

/** Start of the first day at or after `t`, for a zone `offsetSeconds` east of UTC. */
export function dayCeil(t: number, offsetSeconds: number = MALAYSIA_OFFSET_SECONDS): number {
  return Math.ceil((t + offsetSeconds) / DAY_SECONDS) * DAY_SECONDS - offsetSeconds;
}

/** A half-open range of epoch seconds, `[from, to)`. */
export interface SecondsRange {
  from: number;
  to: number;
}

/**
 * Splits an hour-aligned range into whole Malaysia days (read from the daily
 * rollup) and the leftover whole hours at either end (read from the hourly
 * rollup). Any range is returned empty rather than inverted.
 */
export function splitIntoDaysAndHours(range: SecondsRange): { days: SecondsRange | null; hours: SecondsRange[] } {
  if (range.to <= range.from) return { days: null, hours: [] };
  const firstDay = dayCeil(range.from);
  const endDay = dayStart(range.to);
  if (firstDay >= endDay) return { days: null, hours: [range] };
  const hours: SecondsRange[] = [];
  if (range.from < firstDay) hours.push({ from: range.from, to: firstDay });
  if (endDay < range.to) hours.push({ from: endDay, to: range.to });
  return { days: { from: firstDay, to: endDay }, hours };
}
