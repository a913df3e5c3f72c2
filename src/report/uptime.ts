/**
 * Pure summary maths for one product over one window. Times are epoch
 * seconds, durations whole seconds. Every duration is the part inside the
 * window: an outage crossing an edge is clipped to it, and an open outage
 * counts up to `now`. So the figures add up: `downtimeS` is the sum of the
 * in-window durations in the outage list.
 */
import type { OutageWindowSums } from '../store/outage-query.js';

export interface OutageRecord {
  startedAt: number;
  confirmedAt: number;
  endedAt: number | null;
  recoveryConfirmedAt: number | null;
}

export interface ReportWindowSeconds {
  /** Inclusive start. */
  from: number;
  /** Exclusive end; never after `now`. */
  to: number;
}

export interface OutageSummary {
  /** Outages overlapping the window, open ones included. */
  outages: number;
  /** Seconds inside the window spent in an outage. */
  downtimeS: number;
  /** Longest in-window duration; null without outages. */
  longestOutageS: number | null;
  /**
   * Mean in-window duration of the outages that recovered inside the window
   * (ended at or before its end), rounded to the second; null when none did.
   * Outages still open at the window's end have no repair time yet.
   */
  mttrS: number | null;
  /** Latest `startedAt` among those outages (may precede the window); null without outages. */
  lastOutageStartedAt: number | null;
}

/** The part of an outage inside the window, in seconds (0 when they do not overlap). */
export function clippedOutageSeconds(outage: OutageRecord, window: ReportWindowSeconds, now: number): number {
  const end = outage.endedAt ?? now;
  return Math.max(0, Math.min(end, window.to) - Math.max(outage.startedAt, window.from));
}

/**
 * Completes one product's summary from sums over its clipped outages (as
 * `sumOutagesInWindow` returns them); undefined means no outage in the window.
 */
export function outageSummaryFromSums(sums: OutageWindowSums | undefined): OutageSummary {
  if (sums === undefined || sums.outages === 0)
    return { outages: 0, downtimeS: 0, longestOutageS: null, mttrS: null, lastOutageStartedAt: null };
  return {
    outages: sums.outages,
    downtimeS: sums.downtimeS,
    longestOutageS: sums.longestOutageS,
    mttrS: sums.recoveredOutages === 0 ? null : Math.round(sums.recoveredS / sums.recoveredOutages),
    lastOutageStartedAt: sums.lastOutageStartedAt,
  };
}

export interface UptimeSplit {
  upS: number;
  downS: number;
  unmonitoredS: number;
  /** up / (up + down) * 100, rounded to 4 decimals; null when nothing was monitored. */
  uptimePct: number | null;
  /** unmonitored / window * 100, rounded to 4 decimals; null for an empty window. */
  unmonitoredPct: number | null;
}

/**
 * Splits a window into up, down and unmonitored seconds. `upS` and `downS`
 * are disjoint by construction; unmonitored is the rest (never negative).
 */
export function splitWindow(windowS: number, upS: number, downS: number): UptimeSplit {
  const unmonitoredS = Math.max(0, windowS - upS - downS);
  const monitored = upS + downS;
  return {
    upS,
    downS,
    unmonitoredS,
    uptimePct: monitored === 0 ? null : round4((100 * upS) / monitored),
    unmonitoredPct: windowS <= 0 ? null : round4((100 * unmonitoredS) / windowS),
  };
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
