import type { ReportRow, UptimeReport } from './build-report.js';
import { type CsvCell, formatCsv } from './format-csv.js';
import { formatIsoInZone } from './format-time.js';
import type { OutageListRow } from './outage-list.js';
import type { ReportTimeZone } from './parse-report-window.js';

/**
 * Machine-readable renderings of reports (CSV and JSON). Every time is ISO-8601
 * in the chosen zone; every duration is whole seconds. Pure. The column
 * names are a contract with analysts' spreadsheets: add, never rename.
 */
export const SUMMARY_CSV_COLUMNS = [
  'product_code',
  'product_name',
  'window_start',
  'window_end',
  'outages',
  'downtime_s',
  'uptime_pct',
  'up_s',
  'unmonitored_s',
  'unmonitored_pct',
  'mttr_s',
  'longest_outage_s',
  'last_outage_start',
  'healthy_checks',
  'interruption_checks',
  'unknown_checks',
] as const;

export const OUTAGE_CSV_COLUMNS = [
  'product_code',
  'product_name',
  'started_at',
  'confirmed_at',
  'ended_at',
  'recovery_confirmed_at',
  'duration_s',
  'in_window_s',
  'ongoing',
] as const;

export function summaryCsv(report: UptimeReport, zone: ReportTimeZone): string {
  const iso = (seconds: number | null) => (seconds === null ? null : formatIsoInZone(seconds, zone));
  const rows: CsvCell[][] = report.rows.map((row) => [
    row.productCode,
    row.productName,
    iso(report.from),
    iso(report.to),
    row.outages,
    row.downtimeS,
    row.uptimePct,
    row.upS,
    row.unmonitoredS,
    row.unmonitoredPct,
    row.mttrS,
    row.longestOutageS,
    iso(row.lastOutageStartedAt),
    row.checks.healthy,
    row.checks.interruption,
    row.checks.unknown,
  ]);
  return formatCsv(SUMMARY_CSV_COLUMNS, rows);
}

export function outagesCsv(outages: readonly OutageListRow[], zone: ReportTimeZone): string {
  const iso = (seconds: number | null) => (seconds === null ? null : formatIsoInZone(seconds, zone));
  const rows: CsvCell[][] = outages.map((row) => [
    row.productCode,
    row.productName,
    iso(row.startedAt),
    iso(row.confirmedAt),
    iso(row.endedAt),
    iso(row.recoveryConfirmedAt),
    row.durationS,
    row.inWindowS,
    row.ongoing ? 'yes' : 'no',
  ]);
  return formatCsv(OUTAGE_CSV_COLUMNS, rows);
}

/** The report as JSON-ready data, times as ISO strings in the zone. */
export function summaryJson(report: UptimeReport, zone: ReportTimeZone) {
  const iso = (seconds: number | null) => (seconds === null ? null : formatIsoInZone(seconds, zone));
  return {
    window: {
      from: iso(report.from),
      to: iso(report.to),
      seconds: report.windowS,
      timeZone: zone === 'utc' ? 'UTC' : 'Asia/Kuala_Lumpur',
      edgesRoundedToHours: report.edgesRoundedToHours,
      coverageCapSeconds: report.coverageCapSeconds,
    },
    products: report.rows.map((row: ReportRow) => ({ ...row, lastOutageStartedAt: iso(row.lastOutageStartedAt) })),
  };
}

export function outagesJson(outages: readonly OutageListRow[], window: { from: number; to: number }, zone: ReportTimeZone) {
  const iso = (seconds: number | null) => (seconds === null ? null : formatIsoInZone(seconds, zone));
  return {
    window: { from: iso(window.from), to: iso(window.to), timeZone: zone === 'utc' ? 'UTC' : 'Asia/Kuala_Lumpur' },
    outages: outages.map((row) => ({
      ...row,
      startedAt: iso(row.startedAt),
      confirmedAt: iso(row.confirmedAt),
      endedAt: iso(row.endedAt),
      recoveryConfirmedAt: iso(row.recoveryConfirmedAt),
    })),
  };
}

export type ReportSort = 'code' | 'uptime' | 'downtime';

/** Orders rows: by code, by uptime (worst first, unmonitored last), or by downtime (most first). Pure. */
export function sortReportRows(rows: readonly ReportRow[], sort: ReportSort): ReportRow[] {
  const byCode = (a: ReportRow, b: ReportRow) => (a.productCode < b.productCode ? -1 : a.productCode > b.productCode ? 1 : 0);
  if (sort === 'uptime') {
    return [...rows].sort((a, b) => (a.uptimePct ?? Number.POSITIVE_INFINITY) - (b.uptimePct ?? Number.POSITIVE_INFINITY) || byCode(a, b));
  }
  if (sort === 'downtime') return [...rows].sort((a, b) => b.downtimeS - a.downtimeS || byCode(a, b));
  return [...rows].sort(byCode);
}
