import type { Kysely } from 'kysely';
import { STATUS_CODE } from '../domain/status.js';
import type { BatchExtension } from '../store/check-batch-writer.js';
import {
  addRollupDeltas,
  deleteEmptyRollups,
  loadRollupCursors,
  type RollupCursor,
  saveRollupCursors,
  selectChecksInRange,
  writeCoverageCap,
} from '../store/rollup-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { attributeSpan, classifySpans, HourlyTotals } from './coverage.js';
import { ProductHourlyTotals } from './rollup-deltas.js';

export interface RollupExtensionOptions {
  /** See `coverageCapForInterval`; recorded in `meta` so reports use the same value. */
  coverageCapSeconds: number;
}

/**
 * Keeps `rollup_hourly` and `rollup_daily` up to date inside each check
 * batch's transaction, so rollups and checks always commit together.
 *
 * When a check lands at `t`, the span since the product's previous check is
 * attributed by the previous check's status and by whether an outage was open
 * then. Outages are confirmed after the fact: an outage opened at `t` started
 * at its streak's first check `S <= t`, and one closed at `t` ended at `E <= t`.
 * The seconds `[S, t)` (or `[E, t)`) were attributed before anyone knew, so
 * they are re-classified here from the raw checks of that short streak and
 * the difference is added. The result equals `rebuildRollups` over the same
 * checks (a property test holds it to that).
 *
 * A check at or before the product's last folded check (a same-second
 * duplicate, which the writer drops, or an out-of-order write) adds no time
 * and no count, but a transition it caused is still applied. Out-of-order
 * checks that the writer did store are picked up only by `rollup --rebuild`.
 *
 * Throws on DB errors, which rolls back the whole batch (checks included), so
 * the recorder's retry re-applies it exactly once.
 */
export function createRollupExtension(options: RollupExtensionOptions): BatchExtension {
  const cap = options.coverageCapSeconds;
  return async (trx, batch) => {
    await writeCoverageCap(trx, cap);
    const productIds = [...new Set(batch.map((check) => check.productId))];
    const cursors = await loadRollupCursors(trx, productIds);
    const totals = new ProductHourlyTotals();
    const touched = new Set<number>();
    const corrected = new Set<number>();

    for (const check of batch) {
      const at = check.observation.checkedAt;
      const status = STATUS_CODE[check.observation.status];
      const cursor = cursors.get(check.productId);
      // A duplicate or out-of-order check adds no time or count, but its transition still counts.
      const fresh = cursor === undefined || at > cursor.lastCheckedAt;
      const sink = totals.for(check.productId);
      if (fresh) {
        if (cursor) attributeSpan(sink, cursor.lastCheckedAt, at, cap, cursor.lastStatus, cursor.inOutage);
        sink.addCheck(at, status);
      }
      const attributedUntil = fresh ? at : cursor.lastCheckedAt;
      const attributedFrom = cursor?.attributedFrom ?? at;

      for (const event of check.events) {
        if (event.type === 'outage_opened') {
          corrected.add(check.productId);
          await reclassify(trx, sink, check.productId, Math.max(event.startedAt, attributedFrom), attributedUntil, cap, 'opened');
        } else if (event.type === 'outage_closed') {
          corrected.add(check.productId);
          await reclassify(trx, sink, check.productId, Math.max(event.endedAt, attributedFrom), attributedUntil, cap, 'closed');
        }
      }
      cursors.set(check.productId, {
        productId: check.productId,
        attributedFrom,
        lastCheckedAt: attributedUntil,
        lastStatus: fresh ? status : cursor.lastStatus,
        inOutage: check.next.confirmed === 'Interruption',
      });
      touched.add(check.productId);
    }

    const { hourly, daily } = totals.toDeltas();
    await addRollupDeltas(trx, 'hourly', hourly);
    await addRollupDeltas(trx, 'daily', daily);
    if (corrected.size > 0) {
      // A correction can cancel earlier additions exactly; drop buckets it left empty.
      await deleteEmptyRollups(
        trx,
        'hourly',
        hourly.filter((d) => corrected.has(d.productId)),
      );
      await deleteEmptyRollups(
        trx,
        'daily',
        daily.filter((d) => corrected.has(d.productId)),
      );
    }
    await saveRollupCursors(
      trx,
      [...touched].map((id) => cursors.get(id) as RollupCursor),
    );
  };
}

/**
 * Moves `[from, to)` into an outage (`opened`) or out of one (`closed`).
 * Before the move those seconds were classified as outside (opened) or inside
 * (closed) an outage; the raw checks of the range say what "outside" was.
 */
async function reclassify(
  trx: Kysely<DatabaseSchema>,
  sink: HourlyTotals,
  productId: number,
  from: number,
  to: number,
  cap: number,
  change: 'opened' | 'closed',
): Promise<void> {
  if (to <= from) return;
  // Outages start and end at check times, so the check at `from` is in the range; `to` is this check.
  const checks = await selectChecksInRange(trx, { from, to }, [productId]);
  const outside = new HourlyTotals();
  classifySpans({ checks, outages: [], from, to, capSeconds: cap }, outside);
  const sign = change === 'opened' ? 1 : -1;
  sink.addSeconds(from, to, 'interruptionS', sign);
  for (const [hour, bucket] of outside.hours) sink.bucket(hour).healthyS -= sign * bucket.healthyS;
}
