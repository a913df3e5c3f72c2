import { type ReportTimeZone, zoneOffsetSeconds } from './parse-report-window.js';

/**
 * ISO-8601 with the zone's offset, to the second: `2024-10-01T08:00:00+08:00`
 * in Malaysia time, `2024-10-01T00:00:00Z` in UTC. Spreadsheets and BI tools
 * parse both. Pure.
 */
export function formatIsoInZone(seconds: number, zone: ReportTimeZone): string {
  const offset = zoneOffsetSeconds(zone);
  const local = new Date((seconds + offset) * 1000).toISOString().slice(0, 19);
  return offset === 0 ? `${local}Z` : `${local}+08:00`;
}

/** `2024-10-01 08:00:00`, in the zone, for tables. Pure. */
export function formatLocalTime(seconds: number, zone: ReportTimeZone): string {
  const local = new Date((seconds + zoneOffsetSeconds(zone)) * 1000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 19)}`;
}

export function zoneLabel(zone: ReportTimeZone): string {
  return zone === 'utc' ? 'UTC' : 'Malaysia time, GMT+8';
}
