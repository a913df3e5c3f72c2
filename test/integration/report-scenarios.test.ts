import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckStatus } from '../../src/domain/status.js';
import { buildReport } from '../../src/report/build-report.js';
import { listOutages } from '../../src/report/list-outages.js';
import { parseReportWindow } from '../../src/report/parse-report-window.js';
import { ReportInputError } from '../../src/report/report-input-error.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import { recordCheckSequence, type ScriptedCheck } from '../helpers/record-check-sequence.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

const MIN = 60;
const HOUR = 3600;
let rollups: RollupMaintainer;

/** Checks every `step` seconds over [startMin, endMin) minutes after `base`. */
function run(code: string, base: number, startMin: number, endMin: number, status: CheckStatus, step = MIN): ScriptedCheck[] {
  const checks: ScriptedCheck[] = [];
  for (let t = base + startMin * MIN; t < base + endMin * MIN; t += step) checks.push({ code, at: t, status });
  return checks;
}

let temp: TempDatabase;
beforeEach(async () => {
  temp = await createTempDatabase();
  rollups = new RollupMaintainer({ coverageCapSeconds: 300 });
});
afterEach(async () => {
  await temp.cleanup();
});

describe('report: hand-computed scenarios (cap 300 s, confirmAfter 2)', () => {
  // 2024-10-01 00:00 Malaysia time.
  const T0 = Date.UTC(2024, 8, 30, 16) / 1000;
  const timeline = [
    ...run('TNB', T0, 0, 30, 'Healthy'),
    ...run('TNB', T0, 30, 45, 'Interruption'), // outage [30, 45) min, confirmed at 31
    ...run('TNB', T0, 45, 60, 'Healthy'), // recovery confirmed at 46
    ...run('TNB', T0, 60, 70, 'Unknown'), // 10 min of failed checks
    ...run('TNB', T0, 70, 71, 'Healthy'), // then the daemon stops for 20 min: 5 min covered, 15 unmonitored
    ...run('TNB', T0, 90, 120, 'Healthy'),
    ...run('TNB', T0, 120, 130, 'Interruption'), // open outage from 120 min
  ];
  const now = T0 + 130 * MIN;

  it('clips an outage at the window start, counts an open outage to now, and keeps Unknown time and gaps out of uptime', async () => {
    await recordCheckSequence(temp.store.db, timeline, { extensions: [rollups], batchSizes: [7, 1, 13] });
    const report = await buildReport(temp.store.db, { from: T0 + 40 * MIN, to: now + HOUR, now });

    expect(report.from).toBe(T0 + 40 * MIN);
    expect(report.to).toBe(now); // cut at now
    expect(report.windowS).toBe(90 * MIN);
    expect(report.rows).toHaveLength(1);
    const row = report.rows[0]!;
    expect(row.outages).toBe(2);
    // [40, 45) of the first outage plus [120, 130) of the open one.
    expect(row.downtimeS).toBe(15 * MIN);
    expect(row.longestOutageS).toBe(10 * MIN);
    // Only the first outage recovered inside the window; its in-window part is 5 min.
    expect(row.mttrS).toBe(5 * MIN);
    expect(row.lastOutageStartedAt).toBe(T0 + 120 * MIN);
    // Up: [45, 60) + [70, 75) + [90, 120) = 50 min. Unmonitored: [60, 70) Unknown + [75, 90) gap = 25 min.
    expect(row.upS).toBe(50 * MIN);
    expect(row.unmonitoredS).toBe(25 * MIN);
    expect(row.uptimePct).toBe(76.9231); // 50 / 65
    expect(row.checks).toEqual({ healthy: 46, interruption: 15, unknown: 10 });
  });

  it('lists the outages overlapping the window with whole and in-window durations', async () => {
    await recordCheckSequence(temp.store.db, timeline, { extensions: [rollups] });
    const outages = await listOutages(temp.store.db, { from: T0 + 40 * MIN, to: now, now });
    expect(outages).toEqual([
      {
        productCode: 'TNB',
        productName: null,
        startedAt: T0 + 30 * MIN,
        confirmedAt: T0 + 31 * MIN,
        endedAt: T0 + 45 * MIN,
        recoveryConfirmedAt: T0 + 46 * MIN,
        durationS: 15 * MIN,
        inWindowS: 5 * MIN,
        ongoing: false,
      },
      {
        productCode: 'TNB',
        productName: null,
        startedAt: T0 + 120 * MIN,
        confirmedAt: T0 + 121 * MIN,
        endedAt: null,
        recoveryConfirmedAt: null,
        durationS: 10 * MIN,
        inWindowS: 10 * MIN,
        ongoing: true,
      },
    ]);
    expect(await listOutages(temp.store.db, { from: T0 + 46 * MIN, to: T0 + 119 * MIN, now })).toEqual([]);
  });

  it('counts the latest check up to now, but no further than the cap', async () => {
    await recordCheckSequence(temp.store.db, run('TNB', T0, 0, 10, 'Healthy'), { extensions: [rollups] });
    // Last check at 9 min covers [9, 14) min at most.
    const soon = await buildReport(temp.store.db, { from: T0, to: T0 + HOUR, now: T0 + 12 * MIN });
    expect(soon.rows[0]).toMatchObject({ upS: 12 * MIN, unmonitoredS: 0, uptimePct: 100 });
    const late = await buildReport(temp.store.db, { from: T0, to: T0 + HOUR, now: T0 + 30 * MIN });
    expect(late.rows[0]).toMatchObject({ upS: 14 * MIN, unmonitoredS: 16 * MIN, uptimePct: 100 });
  });

  it('an unconfirmed Interruption blip is uptime, not downtime', async () => {
    const checks = [...run('TNB', T0, 0, 5, 'Healthy'), ...run('TNB', T0, 5, 6, 'Interruption'), ...run('TNB', T0, 6, 10, 'Healthy')];
    await recordCheckSequence(temp.store.db, checks, { extensions: [rollups] });
    const report = await buildReport(temp.store.db, { from: T0, to: T0 + 10 * MIN, now: T0 + 10 * MIN });
    expect(report.rows[0]).toMatchObject({ outages: 0, downtimeS: 0, upS: 10 * MIN, checks: { healthy: 9, interruption: 1, unknown: 0 } });
  });

  it('rejects unknown product codes and empty windows', async () => {
    await recordCheckSequence(temp.store.db, run('TNB', T0, 0, 2, 'Healthy'), { extensions: [rollups] });
    await expect(buildReport(temp.store.db, { from: T0, to: T0 + HOUR, now: T0 + HOUR, products: ['NOPE'] })).rejects.toThrow(
      ReportInputError,
    );
    await expect(buildReport(temp.store.db, { from: T0 + HOUR, to: T0 + 2 * HOUR, now: T0 + HOUR })).rejects.toThrow(/empty/);
  });
});

describe('report: Malaysia day boundary and the time-zone option', () => {
  // Checks every 5 minutes from 2024-09-30 12:00Z to 2024-10-01 20:00Z (inclusive).
  const start = Date.UTC(2024, 8, 30, 12) / 1000;
  const at = (day: number, hour: number, minute = 0) => Date.UTC(2024, 8, day, hour, minute) / 1000;
  const statusAt = (t: number): CheckStatus =>
    (t >= at(30, 15, 30) && t < at(30, 16, 30)) || (t >= at(31, 17) && t < at(31, 17, 30)) ? 'Interruption' : 'Healthy';
  const checks: ScriptedCheck[] = [];
  for (let t = start; t <= at(31, 20); t += 300) checks.push({ code: 'SYABAS', at: t, status: statusAt(t) });
  const now = at(32, 1); // 2024-10-02 01:00Z

  it('reads a bare date as a Malaysia day by default, and as a UTC day with --utc', async () => {
    await recordCheckSequence(temp.store.db, checks, { extensions: [rollups], batchSizes: [100] });

    const myt = parseReportWindow({ from: '2024-10-01', to: '2024-10-01', zone: 'malaysia' }, now);
    expect(myt).toEqual({ from: at(30, 16), to: at(31, 16) });
    const mytReport = await buildReport(temp.store.db, { ...myt, now });
    // The outage 15:30Z-16:30Z crosses Malaysia midnight: only [16:00, 16:30) counts. The 17:00Z outage is the next Malaysia day.
    expect(mytReport.rows[0]).toMatchObject({ outages: 1, downtimeS: 1800, upS: 86_400 - 1800, unmonitoredS: 0, mttrS: 1800 });
    expect(mytReport.rows[0]!.uptimePct).toBe(97.9167);

    const utc = parseReportWindow({ from: '2024-10-01', to: '2024-10-01', zone: 'utc' }, now);
    expect(utc).toEqual({ from: at(31, 0), to: at(32, 0) });
    const utcReport = await buildReport(temp.store.db, { ...utc, now });
    // Only the 17:00Z outage; checks stop at 20:00Z and the last one covers 5 more minutes.
    const monitored = at(31, 20, 5) - at(31, 0);
    expect(utcReport.rows[0]).toMatchObject({ outages: 1, downtimeS: 1800, upS: monitored - 1800, unmonitoredS: 86_400 - monitored });
    expect(utcReport.rows[0]!.lastOutageStartedAt).toBe(at(31, 17));
  });

  it('the daily view agrees with the report for a whole Malaysia day', async () => {
    await recordCheckSequence(temp.store.db, checks, { extensions: [rollups], batchSizes: [100] });
    const { rows } = await import('kysely').then(({ sql }) =>
      sql<{ day: string; healthy_s: number; interruption_s: number; unknown_s: number; uptime_pct: number }>`
        select day, healthy_s, interruption_s, unknown_s, uptime_pct from v_uptime_daily where product_code = 'SYABAS' and day = '2024-10-01'
      `.execute(temp.store.db),
    );
    expect(rows).toEqual([{ day: '2024-10-01', healthy_s: 84_600, interruption_s: 1800, unknown_s: 0, uptime_pct: 97.9167 }]);
  });
});
