import type { ReportTimeZone } from '../report/parse-report-window.js';
import type { ReportSort } from '../report/render-report.js';
import { splitWindow } from '../report/uptime.js';

/**
 * What the HTTP layer needs from `src/report`: uptime over windows, per-day
 * uptime for the status page's bars, the outage list and the report. The HTTP
 * layer never computes uptime itself; this interface is the seam, so handlers
 * can be tested with a fake and the report module stays the one definition of
 * "uptime". Times are epoch seconds, windows are half-open `[from, to)`.
 *
 * Implementations throw ReportInputError (from src/report) for a request that
 * cannot be answered as asked (e.g. an unknown product); the API turns it into 400.
 */
export interface HistorySource {
  /** Up and down seconds per product code over the window, as of `now`. Codes without data may be missing. */
  uptime(query: { from: number; to: number; now: number; products: readonly string[] }): Promise<Map<string, UpDown>>;
  /**
   * Up and down seconds per product for `days` consecutive Malaysia days
   * starting at `firstDay` (a Malaysia midnight), oldest first, as of `now`.
   */
  daily(query: { firstDay: number; days: number; now: number; products: readonly string[] }): Promise<Map<string, UpDown[]>>;
  /** `netwatch report --outages --format json`: outages overlapping the window, times in `zone`. */
  outages(query: ReportQuery): Promise<unknown>;
  /** `netwatch report --format json`: per-product uptime and outage figures for the window, times in `zone`. */
  report(query: ReportQuery & { sort: ReportSort }): Promise<unknown>;
  /** Outages overlapping the window, newest first, at most `limit`, for the status page. */
  recentOutages(query: { from: number; now: number; limit: number }): Promise<RecentOutage[]>;
}

export interface ReportQuery {
  from: number;
  to: number;
  now: number;
  products?: readonly string[];
  zone: ReportTimeZone;
}

export interface UpDown {
  upS: number;
  downS: number;
}

export interface RecentOutage {
  productCode: string;
  productName: string | null;
  startedAt: number;
  /** Null while ongoing. */
  endedAt: number | null;
}

/** up / (up + down) as a percentage rounded to 4 decimals, exactly as `netwatch report`; null when nothing was monitored. */
export function uptimePercent(value: UpDown | undefined): number | null {
  if (!value) return null;
  return splitWindow(value.upS + value.downS, value.upS, value.downS).uptimePct;
}
