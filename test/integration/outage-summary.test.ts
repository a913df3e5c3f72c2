import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outageSummaryFromSums } from '../../src/report/uptime.js';
import { sumOutagesInWindow } from '../../src/store/outage-query.js';
import { ensureProducts } from '../../src/store/product-repository.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

const window = { from: 1000, to: 2000 };
const now = 2500;

let temp: TempDatabase;
let ids: Map<string, number>;
beforeEach(async () => {
  temp = await createTempDatabase();
  const products = await ensureProducts(temp.store.db, ['TNB', 'ASTRO', 'SYABAS'], 0);
  ids = new Map([...products].map(([code, row]) => [code, row.id]));
});
afterEach(async () => {
  await temp.cleanup();
});

async function insert(code: string, startedAt: number, endedAt: number | null): Promise<void> {
  await temp.store.db
    .insertInto('outages')
    .values({
      product_id: ids.get(code)!,
      started_at: startedAt,
      confirmed_at: startedAt + 60,
      ended_at: endedAt,
      recovery_confirmed_at: endedAt === null ? null : endedAt + 60,
    })
    .execute();
}

describe('sumOutagesInWindow', () => {
  it('clips each outage to the window, runs open ones to now, and ignores outages outside', async () => {
    await insert('TNB', 100, 900); // before the window
    await insert('TNB', 800, 1100); // crosses the start: 100 s inside, recovered inside
    await insert('TNB', 1200, 1500); // inside: 300 s
    await insert('TNB', 1900, null); // open: 100 s inside (to the window end, not to now)
    await insert('ASTRO', 2000, 2100); // starts at the window end: outside
    await insert('SYABAS', 1500, 2200); // crosses the end: 500 s, not recovered inside

    const sums = await sumOutagesInWindow(temp.store.db, window, now);
    expect(outageSummaryFromSums(sums.get(ids.get('TNB')!))).toEqual({
      outages: 3,
      downtimeS: 500,
      longestOutageS: 300,
      mttrS: 200,
      lastOutageStartedAt: 1900,
    });
    expect(sums.has(ids.get('ASTRO')!)).toBe(false);
    expect(outageSummaryFromSums(sums.get(ids.get('SYABAS')!))).toMatchObject({ outages: 1, downtimeS: 500, mttrS: null });

    // An open outage in a window ending at now counts up to now.
    const recent = await sumOutagesInWindow(temp.store.db, { from: 1950, to: now }, now, [ids.get('TNB')!]);
    expect(outageSummaryFromSums(recent.get(ids.get('TNB')!))).toMatchObject({
      outages: 1,
      downtimeS: now - 1950,
      longestOutageS: now - 1950,
    });
  });

  it('finds an outage that started long before the window and is still open', async () => {
    await insert('TNB', 10, null);
    const sums = await sumOutagesInWindow(temp.store.db, window, now, [ids.get('TNB')!, ids.get('ASTRO')!]);
    expect(outageSummaryFromSums(sums.get(ids.get('TNB')!))).toEqual({
      outages: 1,
      downtimeS: 1000,
      longestOutageS: 1000,
      mttrS: null,
      lastOutageStartedAt: 10,
    });
  });
});
