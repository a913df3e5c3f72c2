import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build-report.js';
import { rebuildRollups } from '../../src/report/rebuild-rollups.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import { createLogger } from '../../src/shared/logger.js';
import { pruneChecks, readPrunedBefore, reclaimFreePages } from '../../src/store/retention.js';
import { RetentionJob } from '../../src/store/retention-job.js';
import { selectAllRollups } from '../../src/store/rollup-repository.js';
import { recordCheckSequence, type ScriptedCheck } from '../helpers/record-check-sequence.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

const DAY = 86_400;
// 2024-03-01 00:00 Malaysia time.
const START = Date.UTC(2024, 1, 29, 16) / 1000;

/** Three days of one-minute checks for two products, with one 40-minute TNB outage on day 1. */
function threeDays(): ScriptedCheck[] {
  const checks: ScriptedCheck[] = [];
  for (let t = START; t < START + 3 * DAY; t += 60) {
    const down = t >= START + 10 * 3600 && t < START + 10 * 3600 + 2400;
    checks.push({ code: 'TNB', at: t, status: down ? 'Interruption' : 'Healthy' });
    checks.push({ code: 'ASTRO', at: t + 1, status: t % 3600 === 0 ? 'Unknown' : 'Healthy' });
  }
  return checks;
}

let temp: TempDatabase;
beforeEach(async () => {
  temp = await createTempDatabase();
  const rollups = new RollupMaintainer({ coverageCapSeconds: 300 });
  await recordCheckSequence(temp.store.db, threeDays(), { extensions: [rollups], batchSizes: [500] });
  await rollups.flush(temp.store.db);
});
afterEach(async () => {
  await temp.cleanup();
});

async function countChecks(): Promise<number> {
  const row = await temp.store.db
    .selectFrom('checks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('retention', () => {
  it('prunes old raw checks in small batches, records the horizon, and reclaims the freed pages', async () => {
    const before = START + 2 * DAY;
    expect(await countChecks()).toBe(2 * 3 * 1440);
    const pagesBefore = Number(temp.store.sqlite.pragma('page_count', { simple: true }));
    const hourly = await selectAllRollups(temp.store.db, 'hourly');

    const result = await pruneChecks(temp.store.db, { before, batchSize: 700, pauseMs: 0 });
    expect(result).toEqual({ deleted: 2 * 2 * 1440, batches: Math.ceil((2 * 2 * 1440) / 700), aborted: false });
    expect(await countChecks()).toBe(2 * 1440);
    const oldest = await temp.store.db
      .selectFrom('checks')
      .select((eb) => eb.fn.min('checked_at').as('t'))
      .executeTakeFirstOrThrow();
    expect(oldest.t).toBe(before);
    expect(await readPrunedBefore(temp.store.db)).toBe(before);
    // Rollups and outages are kept forever.
    expect(await selectAllRollups(temp.store.db, 'hourly')).toEqual(hourly);
    expect(await temp.store.db.selectFrom('outages').selectAll().execute()).toHaveLength(1);

    expect(Number(temp.store.sqlite.pragma('freelist_count', { simple: true }))).toBeGreaterThan(0);
    const reclaimed = await reclaimFreePages(temp.store, { pagesPerStep: 10, pauseMs: 0 });
    expect(reclaimed.incremental).toBe(true);
    expect(reclaimed.pagesFreed).toBeGreaterThan(0);
    expect(Number(temp.store.sqlite.pragma('freelist_count', { simple: true }))).toBe(0);
    expect(Number(temp.store.sqlite.pragma('page_count', { simple: true }))).toBeLessThan(pagesBefore);

    // Idempotent, and an older horizon never moves the recorded one back.
    expect(await pruneChecks(temp.store.db, { before, pauseMs: 0 })).toMatchObject({ deleted: 0 });
    await pruneChecks(temp.store.db, { before: before - DAY, pauseMs: 0 });
    expect(await readPrunedBefore(temp.store.db)).toBe(before);
  });

  it('reports over pruned days stay identical, and an edge inside a pruned hour is widened to the whole hour', async () => {
    const now = START + 3 * DAY;
    const day1 = { from: START, to: START + DAY, now };
    const beforePrune = await buildReport(temp.store.db, day1);
    const partial = { from: START + 10 * 3600 + 600, to: START + DAY, now };
    const partialBefore = await buildReport(temp.store.db, partial);
    expect(partialBefore.edgesRoundedToHours).toBe(false);

    await pruneChecks(temp.store.db, { before: START + 2 * DAY, pauseMs: 0 });

    expect(await buildReport(temp.store.db, day1)).toEqual(beforePrune);
    const tnb = beforePrune.rows.find((row) => row.productCode === 'TNB')!;
    expect(tnb).toMatchObject({ outages: 1, downtimeS: 2400, upS: DAY - 2400, unmonitoredS: 0 });

    const partialAfter = await buildReport(temp.store.db, partial);
    expect(partialAfter.edgesRoundedToHours).toBe(true);
    expect(partialAfter.from).toBe(START + 10 * 3600);
    // The whole hour 10:00-11:00 now counts, so the 40-minute outage counts in full.
    expect(partialAfter.rows.find((row) => row.productCode === 'TNB')).toMatchObject({ downtimeS: 2400, upS: DAY - 10 * 3600 - 2400 });
  });

  it('rollup --rebuild after pruning keeps the pruned hours and reproduces the rest', async () => {
    const hourly = await selectAllRollups(temp.store.db, 'hourly');
    const daily = await selectAllRollups(temp.store.db, 'daily');
    await pruneChecks(temp.store.db, { before: START + DAY + 1234, pauseMs: 0 });
    const result = await rebuildRollups(temp.store.db, { coverageCapSeconds: 300 });
    expect(result.fromHour).toBe(START + DAY + 3600); // the first whole hour one cap after the horizon
    expect(await selectAllRollups(temp.store.db, 'hourly')).toEqual(hourly);
    expect(await selectAllRollups(temp.store.db, 'daily')).toEqual(daily);
  });

  it('the daily job prunes by retention days and stops cleanly', async () => {
    const job = new RetentionJob({
      store: temp.store,
      logger: createLogger({ level: 'silent' }),
      clock: { now: () => (START + 3 * DAY) * 1000 },
      checksDays: 1,
      firstRunDelayMs: 3_600_000,
    });
    job.start();
    const run = await job.runNow();
    expect(run?.before).toBe(START + 2 * DAY);
    expect(run?.prune.deleted).toBe(2 * 2 * 1440);
    expect(run?.reclaim.pagesFreed).toBeGreaterThan(0);
    await job.stop();
    expect(await job.runNow()).toBeNull(); // stopped: aborts at once
  });
});
