import { describe, expect, it } from 'vitest';
import { toOutageListRows } from '../../src/report/outage-list.js';
import { splitWindow, summarizeOutages } from '../../src/report/uptime.js';

const window = { from: 1000, to: 2000 };
const now = 2500;

describe('summarizeOutages', () => {
  it('clips outages to the window and counts an open outage up to the window end', () => {
    const summary = summarizeOutages(
      [
        { startedAt: 800, confirmedAt: 860, endedAt: 1100, recoveryConfirmedAt: 1160 }, // 100 s inside
        { startedAt: 1200, confirmedAt: 1260, endedAt: 1500, recoveryConfirmedAt: 1560 }, // 300 s
        { startedAt: 1900, confirmedAt: 1960, endedAt: null, recoveryConfirmedAt: null }, // open: 100 s inside
        { startedAt: 100, confirmedAt: 160, endedAt: 900, recoveryConfirmedAt: 960 }, // before the window
        { startedAt: 2000, confirmedAt: 2060, endedAt: 2100, recoveryConfirmedAt: 2160 }, // starts at the end: outside
      ],
      window,
      now,
    );
    expect(summary).toEqual({ outages: 3, downtimeS: 500, longestOutageS: 300, mttrS: 200, lastOutageStartedAt: 1900 });
  });

  it('leaves MTTR empty when nothing recovered inside the window', () => {
    const summary = summarizeOutages([{ startedAt: 1500, confirmedAt: 1560, endedAt: 2200, recoveryConfirmedAt: 2260 }], window, now);
    expect(summary).toMatchObject({ outages: 1, downtimeS: 500, mttrS: null });
  });

  it('an open outage in a window ending at now counts to now', () => {
    const summary = summarizeOutages(
      [{ startedAt: 2400, confirmedAt: 2460, endedAt: null, recoveryConfirmedAt: null }],
      { from: 2000, to: now },
      now,
    );
    expect(summary).toMatchObject({ outages: 1, downtimeS: 100, longestOutageS: 100, mttrS: null });
  });

  it('reports nothing without outages', () => {
    expect(summarizeOutages([], window, now)).toEqual({
      outages: 0,
      downtimeS: 0,
      longestOutageS: null,
      mttrS: null,
      lastOutageStartedAt: null,
    });
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
