import { clippedOutageSeconds, type OutageRecord, type ReportWindowSeconds } from './uptime.js';

/** One outage as analysts see it. Times are epoch seconds. JSON-friendly. */
export interface OutageListRow {
  productCode: string;
  productName: string | null;
  /** First Interruption observation of the confirming streak. */
  startedAt: number;
  /** The check that confirmed it (when the alert went out). */
  confirmedAt: number;
  /** First Healthy observation of the recovering streak; null while ongoing. */
  endedAt: number | null;
  recoveryConfirmedAt: number | null;
  /** Whole duration, to now while ongoing. */
  durationS: number;
  /** The part inside the report window. */
  inWindowS: number;
  ongoing: boolean;
}

export interface NamedOutage extends OutageRecord {
  productCode: string;
  productName: string | null;
}

/**
 * Keeps the outages overlapping the window and adds durations, ordered by
 * start time then product code. Pure.
 */
export function toOutageListRows(outages: readonly NamedOutage[], window: ReportWindowSeconds, now: number): OutageListRow[] {
  return outages
    .map((outage) => ({
      productCode: outage.productCode,
      productName: outage.productName,
      startedAt: outage.startedAt,
      confirmedAt: outage.confirmedAt,
      endedAt: outage.endedAt,
      recoveryConfirmedAt: outage.recoveryConfirmedAt,
      durationS: Math.max(0, (outage.endedAt ?? now) - outage.startedAt),
      inWindowS: clippedOutageSeconds(outage, window, now),
      ongoing: outage.endedAt === null,
    }))
    .filter((row) => row.inWindowS > 0)
    .sort((a, b) => a.startedAt - b.startedAt || (a.productCode < b.productCode ? -1 : a.productCode > b.productCode ? 1 : 0));
}
