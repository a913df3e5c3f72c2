import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProductState } from '../../src/domain/product-state.js';
import { rebuildRollups } from '../../src/report/rebuild-rollups.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import type { BatchExtension } from '../../src/store/check-batch-writer.js';
import { loadRollupCursors, selectAllRollups } from '../../src/store/rollup-repository.js';
import { queryProductStatus } from '../../src/store/status-query.js';
import { recordCheckSequence, type ScriptedCheck } from '../helpers/record-check-sequence.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

const CAP = 300;
// 2024-10-01 00:00 Malaysia time, an hour boundary.
const T0 = Date.UTC(2024, 8, 30, 16) / 1000;

/** One check per product per minute, from minute `from` to `to` (exclusive); `down` products answer Interruption. */
function minutes(from: number, to: number, down: ReadonlySet<string> = new Set()): ScriptedCheck[] {
  const checks: ScriptedCheck[] = [];
  for (let m = from; m < to; m++) {
    for (const code of ['TNB', 'ASTRO', 'UNIFI'])
      checks.push({ code, at: T0 + m * 60, status: down.has(code) ? 'Interruption' : 'Healthy' });
  }
  return checks;
}

async function rowCount(table: 'rollup_hourly' | 'rollup_cursor'): Promise<number> {
  const row = await temp.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function cursorOf(code: string) {
  const product = await temp.store.db.selectFrom('products').select('id').where('code', '=', code).executeTakeFirstOrThrow();
  return (await loadRollupCursors(temp.store.db, [product.id])).get(product.id);
}

/** The rollups as `rollup --rebuild` computes them from the raw checks, then put back as they were. */
async function expectEqualToRebuild(): Promise<void> {
  const hourly = await selectAllRollups(temp.store.db, 'hourly');
  const daily = await selectAllRollups(temp.store.db, 'daily');
  const cursors = await loadRollupCursors(temp.store.db);
  await rebuildRollups(temp.store.db, { coverageCapSeconds: CAP });
  expect(hourly).toEqual(await selectAllRollups(temp.store.db, 'hourly'));
  expect(daily).toEqual(await selectAllRollups(temp.store.db, 'daily'));
  expect(cursors).toEqual(await loadRollupCursors(temp.store.db));
}

let temp: TempDatabase;
let states: Map<string, ProductState>;
beforeEach(async () => {
  temp = await createTempDatabase();
  states = new Map();
});
afterEach(async () => {
  await temp.cleanup();
});

describe('RollupMaintainer', () => {
  it('writes the tables when the hour changes, and a confirmed outage for its product at once, not with every batch', async () => {
    const rollups = new RollupMaintainer({ coverageCapSeconds: CAP });
    const record = (checks: ScriptedCheck[]) =>
      recordCheckSequence(temp.store.db, checks, { states, extensions: [rollups], batchSizes: [3] });

    await record(minutes(0, 1)); // the first batch ever writes, so the coverage cap and cursors exist
    const afterFirst = await rowCount('rollup_hourly');
    expect(afterFirst).toBe(3);

    await record(minutes(1, 30));
    expect((await cursorOf('TNB'))?.lastCheckedAt).toBe(T0); // 29 minutes folded in memory only

    // TNB goes down at minute 30 and is confirmed at 31 (confirmAfter 2): its folds are written with the outage.
    await record(minutes(30, 32, new Set(['TNB'])));
    expect((await cursorOf('TNB'))?.lastCheckedAt).toBe(T0 + 31 * 60);
    expect((await cursorOf('TNB'))?.inOutage).toBe(true);
    expect((await cursorOf('ASTRO'))?.lastCheckedAt).toBe(T0);

    await record(minutes(32, 60, new Set(['TNB'])));
    expect(await rowCount('rollup_hourly')).toBe(afterFirst);
    // The first check of the next hour writes everything.
    await record(minutes(60, 61, new Set(['TNB'])));
    expect(await rowCount('rollup_hourly')).toBe(6);
    expect([...(await loadRollupCursors(temp.store.db)).values()].map((c) => c.lastCheckedAt)).toEqual([T0 + 3600, T0 + 3600, T0 + 3600]);
    await expectEqualToRebuild();
  });

  it('forgets what a rolled-back batch folded, so the retried batch counts once', async () => {
    const rollups = new RollupMaintainer({ coverageCapSeconds: CAP });
    let failNext = false;
    const failing: BatchExtension = {
      async apply() {
        if (failNext) throw new Error('disk I/O error');
      },
    };
    const extensions = [rollups, failing];
    await recordCheckSequence(temp.store.db, minutes(0, 20), { states, extensions, batchSizes: [6] });

    await recordCheckSequence(temp.store.db, minutes(20, 21, new Set(['ASTRO'])), { states, extensions, batchSizes: [3] });
    // This batch confirms ASTRO's outage, which re-classifies the minute before it.
    const retried = minutes(21, 22, new Set(['ASTRO']));
    const before = new Map(states);
    failNext = true;
    await expect(recordCheckSequence(temp.store.db, retried, { states, extensions, batchSizes: [3] })).rejects.toThrow('disk I/O error');
    failNext = false;
    // The recorder keeps the batch and writes it again; the state machine does not run twice.
    for (const [code, state] of before) states.set(code, state);
    await recordCheckSequence(temp.store.db, retried, { states, extensions, batchSizes: [3] });
    await recordCheckSequence(temp.store.db, minutes(22, 75, new Set(['ASTRO'])), { states, extensions, batchSizes: [9] });
    await rollups.flush(temp.store.db);
    await expectEqualToRebuild();
  });

  it('picks up after a crash: a new process re-reads the checks the old one had only in memory', async () => {
    const first = new RollupMaintainer({ coverageCapSeconds: CAP });
    await recordCheckSequence(temp.store.db, minutes(0, 50), { states, extensions: [first], batchSizes: [6] });
    // No flush: the process dies with 49 minutes folded in memory only.
    const second = new RollupMaintainer({ coverageCapSeconds: CAP });
    await recordCheckSequence(temp.store.db, minutes(50, 130, new Set(['UNIFI'])), { states, extensions: [second], batchSizes: [6] });
    await second.flush(temp.store.db);
    await expectEqualToRebuild();
    expect(await rowCount('rollup_cursor')).toBe(3);
  });

  it('writes a state row only when the state machine changes, the last-check columns behind, and status readers see the latest check all along', async () => {
    const rollups = new RollupMaintainer({ coverageCapSeconds: CAP });
    const storedLastCheck = async (code: string) =>
      temp.store.db
        .selectFrom('product_state as s')
        .innerJoin('products as p', 'p.id', 's.product_id')
        .select(['s.last_checked_at', 's.last_status', 's.last_http_status'])
        .where('p.code', '=', code)
        .executeTakeFirstOrThrow();
    // Minute 0 starts a streak, minute 1 confirms Healthy (confirmAfter 2); minutes 2-9 change nothing.
    await recordCheckSequence(temp.store.db, minutes(0, 10), { states, extensions: [rollups], batchSizes: [3] });
    expect((await storedLastCheck('TNB')).last_checked_at).toBe(T0 + 60);
    const tnb = async () => (await queryProductStatus(temp.store.db, ['TNB']))[0];
    expect(await tnb()).toMatchObject({
      state: 'Healthy',
      lastCheckedAt: T0 + 9 * 60,
      lastStatus: 'Healthy',
      lastHttpStatus: 200,
      lastError: null,
    });

    const failing: ScriptedCheck[] = [
      { code: 'TNB', at: T0 + 600, status: 'Healthy' },
      { code: 'ASTRO', at: T0 + 600, status: 'Unknown' },
    ];
    await recordCheckSequence(temp.store.db, failing, { states, extensions: [rollups], batchSizes: [2] });
    expect(await tnb()).toMatchObject({ lastCheckedAt: T0 + 600 });
    const [astro] = await queryProductStatus(temp.store.db, ['ASTRO']);
    expect(astro).toMatchObject({
      lastCheckedAt: T0 + 600,
      lastStatus: 'Unknown',
      lastHttpStatus: null,
      lastError: 'timeout after 10000 ms',
    });

    await rollups.flush(temp.store.db);
    expect(await storedLastCheck('TNB')).toEqual({ last_checked_at: T0 + 600, last_status: 1, last_http_status: 200 });
    expect(await storedLastCheck('UNIFI')).toMatchObject({ last_checked_at: T0 + 9 * 60 });
    expect(await tnb()).toMatchObject({ lastCheckedAt: T0 + 600 });
  });
});
