import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedHistory } from '../../scripts/seed-history.js';
import { buildReport } from '../../src/report/build-report.js';
import { rebuildRollups } from '../../src/report/rebuild-rollups.js';
import { openDatabase } from '../../src/store/database.js';
import { readPrunedBefore } from '../../src/store/retention.js';
import { checkTimeBounds, readCoverageCap, selectAllRollups } from '../../src/store/rollup-repository.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('seed:history', () => {
  it('writes rollups, outages and retention-limited raw checks that a rebuild from raw reproduces exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-seed-'));
    dirs.push(dir);
    const endAt = Date.UTC(2025, 0, 15, 3, 17) / 1000;
    const summary = await seedHistory({ products: 6, days: 12, retentionDays: 4, out: join(dir, 'seed.db'), seed: 7, endAt });
    expect(summary.outages).toBeGreaterThan(0);
    expect(summary.rawChecks).toBeLessThan(summary.checksModelled / 2);

    const store = openDatabase(summary.out);
    try {
      const bounds = await checkTimeBounds(store.db);
      expect(bounds!.first).toBeGreaterThanOrEqual(endAt - 4 * 86_400);
      expect(bounds!.last).toBeLessThan(endAt);
      expect(await readPrunedBefore(store.db)).toBe(endAt - 4 * 86_400);
      const cap = (await readCoverageCap(store.db))!;

      const year = await buildReport(store.db, { from: endAt - 12 * 86_400, to: endAt, now: endAt });
      expect(year.rows).toHaveLength(6);
      expect(year.rows.some((row) => row.outages > 0 && row.downtimeS > 0)).toBe(true);
      expect(year.rows.every((row) => row.uptimePct !== null && row.upS + row.downtimeS + row.unmonitoredS === year.windowS)).toBe(true);

      const hourly = await selectAllRollups(store.db, 'hourly');
      const daily = await selectAllRollups(store.db, 'daily');
      const rebuilt = await rebuildRollups(store.db, { coverageCapSeconds: cap });
      expect(rebuilt.fromHour).not.toBeNull();
      expect(hourly.filter((row) => row.start >= rebuilt.fromHour!).length).toBeGreaterThan(6 * 24 * 3);
      expect(await selectAllRollups(store.db, 'hourly')).toEqual(hourly);
      expect(await selectAllRollups(store.db, 'daily')).toEqual(daily);
      expect(await buildReport(store.db, { from: endAt - 12 * 86_400, to: endAt, now: endAt })).toEqual(year);
    } finally {
      await store.close();
    }
  });
});
