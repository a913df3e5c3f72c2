import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProductState } from '../../src/domain/product-state.js';
import { buildReport } from '../../src/report/build-report.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { pruneChecks, reclaimFreePages } from '../../src/store/retention.js';
import { recordCheckSequence, type ScriptedCheck } from '../helpers/record-check-sequence.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

const START = Date.UTC(2024, 5, 1) / 1000;
const PRODUCTS = ['TNB', 'ASTRO', 'SYABAS', 'UNIFI', 'CELCOM'];

function cycle(minute: number): ScriptedCheck[] {
  return PRODUCTS.map((code, i) => ({
    code,
    at: START + minute * 60 + i,
    status: minute % 17 === 3 && code === 'TNB' ? 'Interruption' : 'Healthy',
  }));
}

let temp: TempDatabase;
let daemon: StoreDatabase;
let analyst: SQLite.Database;
beforeEach(async () => {
  temp = await createTempDatabase();
  await temp.store.close();
  // The daemon's connection, with no patience at all: any lock wait would fail the write at once.
  daemon = openDatabase(temp.path, { busyTimeoutMs: 0 });
  await migrateToLatest(daemon.db);
  // The analyst: a second connection, as the sqlite3 shell or a BI tool would open it.
  analyst = new SQLite(temp.path, { readonly: true });
});
afterEach(async () => {
  if (analyst.inTransaction) analyst.exec('COMMIT');
  analyst.close();
  temp.store = daemon; // cleanup closes it and deletes the folder
  await temp.cleanup();
});

describe('an analyst holding a long read transaction', () => {
  it('never makes the daemon fail or lose checks: batches, rollups, pruning and vacuum all proceed (WAL)', async () => {
    const states = new Map<string, ProductState>();
    const rollups = new RollupMaintainer({ coverageCapSeconds: 300 });
    const extensions = [rollups];
    for (let minute = 0; minute < 30; minute++) await recordCheckSequence(daemon.db, cycle(minute), { states, extensions });

    analyst.exec('BEGIN');
    const seenAtStart = (analyst.prepare('select count(*) as n from v_checks').get() as { n: number }).n;
    const heavy = analyst.prepare('select product_code, count(*) as n from v_checks group by product_code').all();
    expect(seenAtStart).toBe(30 * PRODUCTS.length);
    expect(heavy).toHaveLength(PRODUCTS.length);

    // While the read transaction is open: 200 more cycles, a prune with its vacuum, and a report.
    for (let minute = 30; minute < 230; minute++) await recordCheckSequence(daemon.db, cycle(minute), { states, extensions });
    const pruned = await pruneChecks(daemon.db, { before: START + 10 * 60, batchSize: 7, pauseMs: 0 });
    expect(pruned.deleted).toBe(10 * PRODUCTS.length);
    await reclaimFreePages(daemon, { pauseMs: 0 });
    const report = await buildReport(daemon.db, { from: START, to: START + 230 * 60, now: START + 230 * 60 });
    expect(report.rows.map((row) => row.checks.healthy + row.checks.interruption)).toEqual(PRODUCTS.map(() => 230));

    // The analyst still sees the snapshot it started with.
    expect((analyst.prepare('select count(*) as n from v_checks').get() as { n: number }).n).toBe(seenAtStart);
    analyst.exec('COMMIT');

    // Every check landed (less the pruned ones), and a fresh read sees them.
    const landed = (analyst.prepare('select count(*) as n from checks').get() as { n: number }).n;
    expect(landed).toBe((230 - 10) * PRODUCTS.length);
    await rollups.flush(daemon.db);
    const cursorTimes = analyst.prepare('select last_checked_at from rollup_cursor order by product_id').pluck().all();
    expect(cursorTimes).toEqual(PRODUCTS.map((_, i) => START + 229 * 60 + i));
  });
});
