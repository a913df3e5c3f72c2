import { describe, expect, it } from 'vitest';
import { toOutageListRows } from '../../src/report/outage-list.js';
import { clippedOutageSeconds, outageSummaryFromSums, splitWindow } from '../../src/report/uptime.js';

const window = { from: 1000, to: 2000 };
const now = 2500;

describe('outageSummaryFromSums', () => {
  it('rounds MTTR to the second over recovered outages only', () => {
    expect(
      outageSummaryFromSums({
        outages: 3,
        downtimeS: 1001,
        longestOutageS: 600,
        recoveredOutages: 2,
        recoveredS: 401,
        lastOutageStartedAt: 1900,
      }),
    ).toEqual({ outages: 3, downtimeS: 1001, longestOutageS: 600, mttrS: 201, lastOutageStartedAt: 1900 });
    expect(
      outageSummaryFromSums({ outages: 1, downtimeS: 5, longestOutageS: 5, recoveredOutages: 0, recoveredS: 0, lastOutageStartedAt: 7 })
        .mttrS,
    ).toBeNull();
  });

  it('reports nothing without outages', () => {
    expect(outageSummaryFromSums(undefined)).toEqual({
      outages: 0,
      downtimeS: 0,
      longestOutageS: null,
      mttrS: null,
      lastOutageStartedAt: null,
    });
  });
});

describe('clippedOutageSeconds', () => {
  it('clips to the window and runs an open outage to now', () => {
    expect(clippedOutageSeconds({ startedAt: 800, confirmedAt: 860, endedAt: 1100, recoveryConfirmedAt: 1160 }, window, now)).toBe(100);
    expect(clippedOutageSeconds({ startedAt: 1900, confirmedAt: 1960, endedAt: null, recoveryConfirmedAt: null }, window, now)).toBe(100);
    expect(
      clippedOutageSeconds({ startedAt: 2400, confirmedAt: 2460, endedAt: null, recoveryConfirmedAt: null }, { from: 2000, to: now }, now),
    ).toBe(100);
    expect(clippedOutageSeconds({ startedAt: 2000, confirmedAt: 2060, endedAt: 2100, recoveryConfirmedAt: 2160 }, window, now)).toBe(0);
  });
});

describe('splitWindow', () => {
  it('excludes unmonitored time from uptime', () => {
    expect(splitWindow(1000, 600, 150)).toEqual({ upS: 600, downS: 150, unmonitoredS: 250, uptimePct: 80, unmonitoredPct: 25 });
  });

  it('has no uptime when nothing was monitored', () => {
    expect(splitWindow(1000, 0, 0)).toMatchObject({ uptimePct: null, unmonitoredS: 1000, unmonitoredPct: 100 });
  });
});

describe('toOutageListRows', () => {
  it('keeps overlapping outages, oldest first, with whole and in-window durations', () => {
    const named = (code: string, startedAt: number, endedAt: number | null) => ({
      productCode: code,
      productName: null,
      startedAt,
      confirmedAt: startedAt + 60,
      endedAt,
      recoveryConfirmedAt: endedAt === null ? null : endedAt + 60,
    });
    const rows = toOutageListRows(
      [named('B', 1500, null), named('A', 1500, 1600), named('A', 100, 200), named('C', 900, 1100)],
      window,
      now,
    );
    expect(rows.map((r) => [r.productCode, r.startedAt, r.durationS, r.inWindowS, r.ongoing])).toEqual([
      ['C', 900, 200, 100, false],
      ['A', 1500, 100, 100, false],
      ['B', 1500, 1000, 500, true],
    ]);
  });
});
