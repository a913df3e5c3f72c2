import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistorySource, UpDown } from '../../src/http/history-source.js';
import { createStatusService } from '../../src/http/status-service.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { createTempDir } from '../helpers/daemon-process.js';
import { openSeededDatabase, seedHistory } from '../helpers/status-history-seed.js';

/**
 * The status service over a real database and a counting fake of the report
 * seam: uptime windows end at the latest check, the result is memoised until a
 * check lands, and recomputed at most every `minRecomputeMs`.
 */

const NOW = Date.UTC(2026, 10, 28, 5, 30, 0) / 1000;
const DAY = 86_400;

let store: StoreDatabase;
let nowMs = NOW * 1000;
const calls: Array<{ from: number; to: number; now: number }> = [];

const history: HistorySource = {
  async uptime(query) {
    calls.push({ from: query.from, to: query.to, now: query.now });
    return new Map<string, UpDown>(query.products.map((code) => [code, { upS: 999, downS: 1 }]));
  },
  async daily(query) {
    return new Map(query.products.map((code) => [code, Array.from({ length: query.days }, () => ({ upS: 1, downS: 0 }))]));
  },
  outages: async () => ({}),
  report: async () => ({}),
  recentOutages: async () => [],
};

beforeAll(async () => {
  store = await openSeededDatabase(join(createTempDir('netwatch-status-service-'), 'netwatch.db'));
  await seedHistory(store.db, {
    from: NOW - 3600,
    to: NOW,
    intervalSeconds: 300,
    products: [{ code: 'TNB', name: 'Tenaga Nasional Berhad' }],
  });
});

afterAll(async () => {
  await store?.close();
});

describe('createStatusService', () => {
  it('computes uptime as of the latest check, memoises it, and recomputes at most every minRecomputeMs', async () => {
    const service = createStatusService({ db: store.db, history, nowMs: () => nowMs, minRecomputeMs: 5000 });
    const first = await service.snapshot();
    const asOf = NOW - 300;
    expect(first.asOf).toBe(asOf);
    expect(calls).toEqual([
      { from: asOf - DAY, to: asOf, now: asOf },
      { from: asOf - 7 * DAY, to: asOf, now: asOf },
      { from: asOf - 30 * DAY, to: asOf, now: asOf },
    ]);
    expect(first.products[0]?.uptime).toEqual({ '24h': 99.9, '7d': 99.9, '30d': 99.9 });

    await service.snapshot();
    await service.pageModel();
    expect(calls).toHaveLength(3);

    // A new check within minRecomputeMs: the previous, self-consistent picture is served.
    await seedHistory(store.db, {
      from: NOW,
      to: NOW + 1,
      intervalSeconds: 300,
      products: [{ code: 'TNB', name: 'Tenaga Nasional Berhad' }],
    });
    nowMs += 2000;
    expect((await service.snapshot()).asOf).toBe(asOf);
    expect(calls).toHaveLength(3);

    nowMs += 4000;
    expect((await service.snapshot()).asOf).toBe(NOW);
    expect(calls).toHaveLength(6);
  });
});
