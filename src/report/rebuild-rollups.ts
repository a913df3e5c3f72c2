import type { Kysely } from 'kysely';
import { selectOutagesOverlapping } from '../store/outage-query.js';
import { readPrunedBefore } from '../store/retention.js';
import {
  addRollupDeltas,
  checkTimeBounds,
  clearRollupsFrom,
  type RollupCursor,
  readFoldState,
  rebuildDailyFromHourly,
  saveRollupCursors,
  selectChecksInRange,
  writeCoverageCap,
  writeFoldState,
} from '../store/rollup-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { type CheckPoint, classifySpans, countChecks, type OutageInterval } from './coverage.js';
import { ProductHourlyTotals } from './rollup-deltas.js';
import { dayStart, HOUR_SECONDS, hourCeil } from './time-buckets.js';

export interface RebuildOptions {
  coverageCapSeconds: number;
  /** Raw checks read per step; bounds memory. Default 6 hours. */
  chunkSeconds?: number;
  /** Called after each chunk with the time reached, for progress output. */
  onProgress?: (reachedAt: number, lastAt: number) => void;
}

export interface RebuildResult {
  /** First hour recomputed; earlier hours (raw checks pruned) were kept. Null when there were no checks. */
  fromHour: number | null;
  checksRead: number;
  products: number;
}

/**
 * Recomputes the rollups from raw checks and outages, in ONE transaction:
 * readers see the old rollups or the new ones, never a mix.
 *
 * Only hours whose raw checks are complete are recomputed: after pruning, the
 * first hour at least one coverage cap after the retention horizon (its
 * covering check must still exist). Older hours, whose raw checks are gone,
 * are kept as they are; daily buckets are re-summed from the hours.
 *
 * Holds the write lock for its whole run (seconds per month of checks), so
 * run it with the daemon stopped: a running daemon keeps its checks queued in
 * memory meanwhile, then sees the new fold epoch and re-reads the rollups.
 * Idempotent. Throws on DB errors (nothing changes then).
 */
export async function rebuildRollups(db: Kysely<DatabaseSchema>, options: RebuildOptions): Promise<RebuildResult> {
  const cap = options.coverageCapSeconds;
  const chunkSeconds = options.chunkSeconds ?? 6 * HOUR_SECONDS;
  return db.transaction().execute(async (trx) => {
    await writeCoverageCap(trx, cap);
    const prunedBefore = await readPrunedBefore(trx);
    const bounds = await checkTimeBounds(trx);
    const fromHour = prunedBefore === null ? null : hourCeil(prunedBefore + cap);
    await clearRollupsFrom(trx, fromHour);
    // Every check is folded when this commits; a running maintainer sees the new epoch and re-reads.
    const { epoch } = await readFoldState(trx);
    await writeFoldState(trx, { epoch: epoch + 1, foldedThrough: bounds?.last ?? null });
    if (bounds === null) {
      await rebuildDailyFromHourly(trx, fromHour === null ? null : dayStart(fromHour));
      return { fromHour: null, checksRead: 0, products: 0 };
    }

    // Outages are kept forever, so the whole table is the truth for every hour recomputed.
    const outages = new Map<number, OutageInterval[]>();
    for (const outage of await selectOutagesOverlapping(trx, { from: Number.MIN_SAFE_INTEGER, to: Number.MAX_SAFE_INTEGER })) {
      const list = outages.get(outage.productId) ?? outages.set(outage.productId, []).get(outage.productId)!;
      list.push({ start: outage.startedAt, end: outage.endedAt ?? Number.POSITIVE_INFINITY });
    }

    const attributeFrom = fromHour ?? Number.MIN_SAFE_INTEGER;
    const last = new Map<number, CheckPoint>();
    const first = new Map<number, number>();
    let checksRead = 0;
    // Start one cap early so the check covering `fromHour` is read.
    for (let from = Math.max(bounds.first, attributeFrom - cap); from <= bounds.last; from += chunkSeconds) {
      const to = from + chunkSeconds;
      const rows = await selectChecksInRange(trx, { from, to: to - 1 });
      checksRead += rows.length;
      const byProduct = new Map<number, CheckPoint[]>();
      for (const row of rows) {
        let list = byProduct.get(row.productId);
        if (!list) {
          const previous = last.get(row.productId);
          list = previous ? [previous] : [];
          byProduct.set(row.productId, list);
        }
        list.push({ at: row.at, status: row.status });
      }
      const totals = new ProductHourlyTotals();
      for (const [productId, checks] of byProduct) {
        const sink = totals.for(productId);
        const productOutages = outages.get(productId) ?? [];
        // The carried-over check was counted with its own chunk; its span ends at this chunk's first check.
        classifySpans({ checks, outages: productOutages, from: attributeFrom, to: Number.POSITIVE_INFINITY, capSeconds: cap }, sink);
        const carried = last.has(productId) ? 1 : 0;
        countChecks(sink, checks.slice(carried), attributeFrom, Number.POSITIVE_INFINITY);
        const newest = checks[checks.length - 1] as CheckPoint;
        last.set(productId, newest);
        if (!first.has(productId)) first.set(productId, (checks[carried] as CheckPoint).at);
      }
      const { hourly } = totals.toDeltas();
      await addRollupDeltas(trx, 'hourly', hourly);
      options.onProgress?.(Math.min(to, bounds.last), bounds.last);
    }

    await rebuildDailyFromHourly(trx, fromHour === null ? null : dayStart(fromHour));
    const cursors: RollupCursor[] = [...last].map(([productId, check]) => {
      const list = outages.get(productId);
      const latest = list?.[list.length - 1];
      return {
        productId,
        attributedFrom: Math.max(first.get(productId) ?? check.at, Math.min(attributeFrom, check.at)),
        lastCheckedAt: check.at,
        lastStatus: check.status,
        inOutage: latest !== undefined && latest.start <= check.at && latest.end > check.at,
      };
    });
    await saveRollupCursors(trx, cursors);
    return { fromHour: fromHour ?? null, checksRead, products: last.size };
  });
}
