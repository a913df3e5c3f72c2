import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProductState } from '../../src/domain/product-state.js';
import { type CheckStatus, STATUS_CODE } from '../../src/domain/status.js';
import { buildReport } from '../../src/report/build-report.js';
import { rebuildRollups } from '../../src/report/rebuild-rollups.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import { dayStart, hourStart } from '../../src/report/time-buckets.js';
import { loadRollupCursors, selectAllRollups } from '../../src/store/rollup-repository.js';
import { recordCheckSequence, type ScriptedCheck } from '../helpers/record-check-sequence.js';
import { createTempDatabase } from '../helpers/temp-database.js';

const CAP = 300;

interface Point {
  at: number;
  status: number;
}
interface Outage {
  start: number;
  end: number | null;
}

/**
 * The definition, second by second, straight from the README: a second is
 * down inside an outage; else up when the latest check at or before it is
 * Healthy/Interruption, less than CAP old, and not after now; else unmonitored.
 */
function bruteForce(checks: readonly Point[], outages: readonly Outage[], from: number, toRequested: number, now: number) {
  const to = Math.min(toRequested, now);
  let up = 0;
  let down = 0;
  let j = -1;
  for (let s = from; s < to; s++) {
    while (j + 1 < checks.length && checks[j + 1]!.at <= s) j++;
    if (outages.some((o) => o.start <= s && s < (o.end ?? now))) {
      down++;
      continue;
    }
    const c = checks[j];
    if (c && c.status !== STATUS_CODE.Unknown && s < c.at + CAP) up++;
  }
  const inWindow = checks.filter((c) => c.at >= from && c.at < to);
  const clipped = outages
    .map((o) => ({ o, seconds: Math.max(0, Math.min(o.end ?? now, to) - Math.max(o.start, from)) }))
    .filter((x) => x.seconds > 0);
  const recovered = clipped.filter((x) => x.o.end !== null && x.o.end <= to);
  return {
    upS: up,
    downtimeS: down,
    unmonitoredS: to - from - up - down,
    outages: clipped.length,
    longestOutageS: clipped.length === 0 ? null : Math.max(...clipped.map((x) => x.seconds)),
    mttrS: recovered.length === 0 ? null : Math.round(recovered.reduce((sum, x) => sum + x.seconds, 0) / recovered.length),
    lastOutageStartedAt: clipped.length === 0 ? null : Math.max(...clipped.map((x) => x.o.start)),
    checks: {
      healthy: inWindow.filter((c) => c.status === STATUS_CODE.Healthy).length,
      interruption: inWindow.filter((c) => c.status === STATUS_CODE.Interruption).length,
      unknown: inWindow.filter((c) => c.status === STATUS_CODE.Unknown).length,
    },
  };
}

const statusArb = fc.constantFrom<CheckStatus>('Healthy', 'Healthy', 'Interruption', 'Interruption', 'Unknown');
// Runs of one status make streaks (and so outages) likely; gaps include some longer than the cap.
const runArb = fc.record({
  status: statusArb,
  count: fc.integer({ min: 1, max: 6 }),
  gap: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 400 }) },
    { weight: 1, arbitrary: fc.integer({ min: 401, max: 30_000 }) },
  ),
});
const productArb = fc.array(runArb, { minLength: 1, maxLength: 12 });
const windowArb = fc.record({
  a: fc.double({ min: 0, max: 1, noNaN: true }),
  b: fc.double({ min: 0, max: 1, noNaN: true }),
  // 'check' puts the edges exactly on check times, where off-by-one errors live.
  align: fc.constantFrom('none', 'hour', 'day', 'check'),
});
const scenarioArb = fc.record({
  products: fc.array(productArb, { minLength: 1, maxLength: 3 }),
  startOffset: fc.integer({ min: 0, max: 86_400 }),
  confirmAfter: fc.integer({ min: 1, max: 3 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 4 }),
  nowExtra: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 })),
  windows: fc.array(windowArb, { minLength: 1, maxLength: 4 }),
  // A second maintainer takes over part-way (a restart), after the first flushed or not.
  handover: fc.option(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), flushFirst: fc.boolean() }), { nil: undefined }),
  // Two processes writing alternate batches (`netwatch check` beside the daemon).
  twoWriters: fc.boolean(),
});

function timeline(products: readonly (readonly { status: CheckStatus; count: number; gap: number }[])[], base: number): ScriptedCheck[] {
  const all: ScriptedCheck[] = [];
  products.forEach((runs, index) => {
    let at = base + index * 7;
    for (const run of runs) {
      for (let k = 0; k < run.count; k++) {
        all.push({ code: `P${index}`, at, status: run.status });
        at += run.gap;
      }
    }
  });
  return all.sort((x, y) => x.at - y.at || (x.code < y.code ? -1 : 1));
}

describe('reports from rollups equal a brute-force computation over raw checks', () => {
  it('for random check sequences, windows and batchings; and rollup --rebuild reproduces the incremental rollups', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const temp = await createTempDatabase();
        try {
          const db = temp.store.db;
          const base = Date.UTC(2024, 0, 1) / 1000 + scenario.startOffset;
          const checks = timeline(scenario.products, base);
          const states = new Map<string, ProductState>();
          const record = (part: readonly ScriptedCheck[], maintainer: RollupMaintainer) =>
            recordCheckSequence(db, part, {
              confirmAfter: scenario.confirmAfter,
              batchSizes: scenario.batchSizes,
              states,
              extensions: [maintainer],
            });
          let maintainer = new RollupMaintainer({ coverageCapSeconds: CAP });
          const other = new RollupMaintainer({ coverageCapSeconds: CAP });
          const split = scenario.handover ? Math.floor(scenario.handover.at * checks.length) : checks.length;
          const ids = new Map<string, number>();
          if (scenario.twoWriters) {
            for (let i = 0, k = 0; i < split; k++) {
              const size = scenario.batchSizes[k % scenario.batchSizes.length] as number;
              for (const [code, id] of await record(checks.slice(i, Math.min(split, i + size)), k % 2 === 0 ? maintainer : other))
                ids.set(code, id);
              i += size;
            }
            await other.flush(db);
          } else {
            for (const [code, id] of await record(checks.slice(0, split), maintainer)) ids.set(code, id);
          }
          if (scenario.handover && split < checks.length) {
            if (scenario.handover.flushFirst) await maintainer.flush(db);
            maintainer = new RollupMaintainer({ coverageCapSeconds: CAP });
            for (const [code, id] of await record(checks.slice(split), maintainer)) ids.set(code, id);
          }
          const lastAt = checks[checks.length - 1]!.at;
          const now = lastAt + scenario.nowExtra;
          const outageRows = await db.selectFrom('outages').selectAll().orderBy('started_at').execute();

          // Reports before and after the final flush: unfolded checks are read raw.
          for (const flushed of [false, true]) {
            if (flushed) await maintainer.flush(db);
            for (const w of scenario.windows) {
              const lo = base - 5000;
              const hi = now + 3000;
              let from = Math.floor(lo + Math.min(w.a, w.b) * (hi - lo));
              let to = Math.floor(lo + Math.max(w.a, w.b) * (hi - lo));
              if (w.align === 'hour') [from, to] = [hourStart(from), hourStart(to) + 3600];
              if (w.align === 'day') [from, to] = [dayStart(from), dayStart(to) + 86_400];
              if (w.align === 'check') {
                const times = checks.map((c) => c.at);
                [from, to] = [times[Math.floor(w.a * times.length)] ?? from, times[Math.floor(w.b * times.length)] ?? to].sort(
                  (x, y) => x - y,
                ) as [number, number];
              }
              if (from >= Math.min(to, now)) continue;

              const report = await buildReport(db, { from, to, now, products: [...ids.keys()] });
              expect(report.edgesRoundedToHours).toBe(false);
              for (const [code, id] of ids) {
                const points = checks.filter((c) => c.code === code).map((c) => ({ at: c.at, status: STATUS_CODE[c.status] }));
                const outages = outageRows.filter((o) => o.product_id === id).map((o) => ({ start: o.started_at, end: o.ended_at }));
                const expected = bruteForce(points, outages, from, to, now);
                const row = report.rows.find((r) => r.productCode === code)!;
                expect({ window: [from, to, now], code, flushed, ...pick(row) }).toEqual({
                  window: [from, to, now],
                  code,
                  flushed,
                  ...expected,
                });
              }
            }
          }

          const hourly = await selectAllRollups(db, 'hourly');
          const daily = await selectAllRollups(db, 'daily');
          const cursors = await loadRollupCursors(db);
          await rebuildRollups(db, { coverageCapSeconds: CAP, chunkSeconds: 5000 });
          expect(await selectAllRollups(db, 'hourly')).toEqual(hourly);
          expect(await selectAllRollups(db, 'daily')).toEqual(daily);
          expect(await loadRollupCursors(db)).toEqual(cursors);
        } finally {
          await temp.cleanup();
        }
      }),
      // PROP_EXAMPLE=<counterexample JSON> replays a failure first.
      { numRuns: 250, ...(process.env.PROP_EXAMPLE ? { examples: [[JSON.parse(process.env.PROP_EXAMPLE)]] } : {}) },
    );
  }, 120_000);
});

function pick(row: {
  upS: number;
  downtimeS: number;
  unmonitoredS: number;
  outages: number;
  longestOutageS: number | null;
  mttrS: number | null;
  lastOutageStartedAt: number | null;
  checks: { healthy: number; interruption: number; unknown: number };
}) {
  const { upS, downtimeS, unmonitoredS, outages, longestOutageS, mttrS, lastOutageStartedAt, checks } = row;
  return { upS, downtimeS, unmonitoredS, outages, longestOutageS, mttrS, lastOutageStartedAt, checks };
}
