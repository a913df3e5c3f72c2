import type { Kysely, Transaction } from 'kysely';
import { STATUS_CODE } from '../domain/status.js';
import type { BatchExtension, RecordedCheck } from '../store/check-batch-writer.js';
import {
  addRollupDeltas,
  deleteEmptyRollups,
  loadRollupCursors,
  type RollupCursor,
  type RollupFoldState,
  readFoldState,
  saveRollupCursors,
  selectChecksInRange,
  selectUnfoldedChecks,
  UNFOLDED_SLACK_SECONDS,
  writeCoverageCap,
  writeFoldState,
} from '../store/rollup-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { writeLastChecks } from '../store/state-repository.js';
import { attributeSpan, classifySpans, HourlyTotals } from './coverage.js';
import { ProductHourlyTotals } from './rollup-deltas.js';
import { hourStart } from './time-buckets.js';

export interface RollupMaintainerOptions {
  /** See `coverageCapForInterval`; recorded in `meta` so reports use the same value. */
  coverageCapSeconds: number;
}

/**
 * What this process knows: the tables as of fold-state `epoch`, plus the
 * checks it folded since (written per product at flushes).
 */
interface FoldMemory {
  epoch: number;
  foldedThrough: number | null;
  cursors: Map<number, RollupCursor>;
  /** Folded, not yet written. A product in here has a cursor to write too. */
  pending: ProductHourlyTotals;
  /** Newest check time in `pending`. */
  pendingThrough: number | null;
}

/** What the open transaction wrote, applied to the memory by `committed`. */
interface Outcome {
  memory: FoldMemory;
  epoch: number;
  foldedThrough: number | null;
  /** Products whose pending folds were written; null for all of them. */
  written: ReadonlySet<number> | null;
}

/**
 * Keeps `rollup_hourly`, `rollup_daily` and `rollup_cursor`, and the
 * last-check columns of `product_state`, up to date as a BatchExtension of
 * the check writer.
 *
 * **The maths.** When a check lands at `t`, the span since the product's
 * previous check is attributed by the previous check's status and by whether
 * an outage was open then. Outages are confirmed after the fact: an outage
 * opened at `t` started at its streak's first check `S <= t`, and one closed
 * at `t` ended at `E <= t`. The seconds `[S, t)` (or `[E, t)`) were attributed
 * before anyone knew, so they are re-classified from the raw checks of that
 * short streak and the difference is added. The result equals
 * `rebuildRollups` over the same checks (a property test holds it to that).
 * A check at or before the product's last folded check (a same-second
 * duplicate, which the writer drops, or an out-of-order write) adds no time
 * and no count, but a transition it caused is still applied.
 *
 * **When it writes.** Folding happens in memory. Everything folded is
 * written (a flush) when the hour changes, when a check is older than the
 * last flush by more than UNFOLDED_SLACK_SECONDS, and on `flush()` at
 * shutdown; a batch that confirms an outage or a recovery writes that
 * product's folds at once, in the transaction that records the outage, so
 * the tables always agree with `outages`. Writing three rows per product on
 * every batch cost several times the checks themselves (docs/performance.md).
 * Checks after a product's cursor are simply not folded yet, and readers
 * (`buildReport`, `queryProductStatus`) take those few from the raw checks.
 *
 * **Crashes and other writers.** Every transaction that records checks bumps
 * the fold state's epoch. A maintainer whose memory is not of the stored epoch
 * (a fresh process, or another process such as `netwatch check` wrote in
 * between) forgets its memory and re-reads: the stored cursors, then every
 * unfolded check, which it folds again. So nothing is lost or counted twice,
 * whoever wrote last. Unfolded checks carry no outage change (those flush at
 * once), so re-folding needs only the checks.
 *
 * Throws on DB errors, which rolls back the whole batch (checks included);
 * the memory, folded into in place, is then forgotten and re-read with the
 * next batch, so the recorder's retry applies the batch once.
 */
export class RollupMaintainer implements BatchExtension {
  /** Null while a transaction is folding into it (a rollback then forgets it) and before the first. */
  private memory: FoldMemory | null = null;
  /** `product_state`'s last-check columns are written here, with the rollups (see `BatchExtension`). */
  readonly writesLastChecks = true;
  private outcome: Outcome | null = null;
  private readonly cap: number;

  constructor(options: RollupMaintainerOptions) {
    this.cap = options.coverageCapSeconds;
  }

  apply(trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[]): Promise<void> {
    return this.fold(trx, batch, false);
  }

  committed(): void {
    const outcome = this.outcome;
    this.outcome = null;
    if (!outcome) return;
    const { memory } = outcome;
    memory.epoch = outcome.epoch;
    memory.foldedThrough = outcome.foldedThrough;
    if (outcome.written === null) {
      memory.pending = new ProductHourlyTotals();
      memory.pendingThrough = null;
    } else {
      for (const productId of outcome.written) memory.pending.products.delete(productId);
    }
    this.memory = memory;
  }

  /** The memory was folded into in place, so it is forgotten: the next batch re-reads the tables, which rolled back too. */
  rolledBack(): void {
    this.outcome = null;
    this.memory = null;
  }

  /** Writes everything folded so far, in its own transaction. Call after the last batch (shutdown). Throws on DB errors. */
  async flush(db: Kysely<DatabaseSchema>): Promise<void> {
    try {
      await db.transaction().execute((trx) => this.fold(trx, [], true));
    } catch (error) {
      this.rolledBack();
      throw error;
    }
    this.committed();
  }

  private async fold(trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[], forceFlush: boolean): Promise<void> {
    this.outcome = null;
    const stored = await readFoldState(trx);
    let memory = this.memory;
    this.memory = null;
    let reread = false;
    if (memory === null || memory.epoch !== stored.epoch) {
      memory = await this.reread(trx, stored, batch);
      reread = memory.pendingThrough !== null;
    }

    const corrected = new Set<number>();
    let oldest = Number.POSITIVE_INFINITY;
    for (const check of batch) {
      const at = check.observation.checkedAt;
      const sink = memory.pending.for(check.productId);
      const previous = memory.cursors.get(check.productId);
      const cursor = foldCheck(sink, previous, check.productId, at, STATUS_CODE[check.observation.status], this.cap);
      if (cursor !== previous) memory.cursors.set(check.productId, cursor);
      for (const event of check.events) {
        if (event.type !== 'outage_opened' && event.type !== 'outage_closed') continue;
        corrected.add(check.productId);
        const change = event.type === 'outage_opened' ? 'opened' : 'closed';
        const from = Math.max(event.type === 'outage_opened' ? event.startedAt : event.endedAt, cursor.attributedFrom);
        await reclassify(trx, sink, check.productId, from, cursor.lastCheckedAt, this.cap, change);
      }
      cursor.inOutage = check.next.confirmed === 'Interruption';
      memory.pendingThrough = maxOf(memory.pendingThrough, at);
      oldest = Math.min(oldest, at);
    }

    // Everything is written when the hour changes (or a check is too old for readers to find unfolded);
    // otherwise only the products whose outage state changed, so the tables always agree with `outages`.
    const lastFlushHour = memory.foldedThrough === null ? null : hourStart(memory.foldedThrough);
    const newHour = memory.pendingThrough !== null && (lastFlushHour === null || hourStart(memory.pendingThrough) > lastFlushHour);
    const late = memory.foldedThrough !== null && oldest <= memory.foldedThrough - UNFOLDED_SLACK_SECONDS;
    const all = forceFlush || reread || newHour || late;
    const written = all ? null : corrected;
    if (written === null ? memory.pending.size > 0 : written.size > 0) await this.write(trx, memory, written, corrected);
    const foldedThrough = all ? maxOf(memory.foldedThrough, memory.pendingThrough) : memory.foldedThrough;
    const epoch = stored.epoch + 1;
    await writeFoldState(trx, { epoch, foldedThrough });
    this.outcome = { memory, epoch, foldedThrough, written };
  }

  /** Writes the pending folds of `only` those products (all when null) and their cursors. */
  private async write(
    trx: Transaction<DatabaseSchema>,
    memory: FoldMemory,
    only: ReadonlySet<number> | null,
    corrected: ReadonlySet<number>,
  ): Promise<void> {
    let totals = memory.pending;
    if (only !== null) {
      totals = new ProductHourlyTotals();
      for (const productId of only) totals.products.set(productId, memory.pending.for(productId));
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
    const cursors = [...totals.products.keys()].map((id) => memory.cursors.get(id) as RollupCursor);
    await saveRollupCursors(trx, cursors);
    await writeLastChecks(
      trx,
      cursors.map((cursor) => ({ productId: cursor.productId, checkedAt: cursor.lastCheckedAt })),
    );
    await writeCoverageCap(trx, this.cap);
  }

  /**
   * Fresh memory from the tables: the stored cursors, with every unfolded
   * check folded again, except the batch being written (its rows are already
   * in `checks`; the caller folds them with their transitions).
   */
  private async reread(trx: Transaction<DatabaseSchema>, stored: RollupFoldState, batch: readonly RecordedCheck[]): Promise<FoldMemory> {
    const cursors = await loadRollupCursors(trx);
    const memory: FoldMemory = {
      epoch: stored.epoch,
      foldedThrough: stored.foldedThrough,
      cursors,
      pending: new ProductHourlyTotals(),
      pendingThrough: null,
    };
    const inBatch = new Set(batch.map((check) => `${check.productId}:${check.observation.checkedAt}`));
    for (const check of await selectUnfoldedChecks(trx, cursors, stored.foldedThrough)) {
      if (inBatch.has(`${check.productId}:${check.at}`)) continue;
      // No outage changed after the cursor (that is written at once), so the outage flag carries on.
      const cursor = foldCheck(
        memory.pending.for(check.productId),
        cursors.get(check.productId),
        check.productId,
        check.at,
        check.status,
        this.cap,
      );
      cursors.set(check.productId, cursor);
      memory.pendingThrough = maxOf(memory.pendingThrough, check.at);
    }
    return memory;
  }
}

/**
 * Folds one check after `cursor` (the product's, if any) into `sink` and
 * returns the product's cursor, moved in place; a new one has no outage.
 * A duplicate or out-of-order check adds no time or count.
 */
function foldCheck(
  sink: HourlyTotals,
  cursor: RollupCursor | undefined,
  productId: number,
  at: number,
  status: number,
  cap: number,
): RollupCursor {
  if (cursor === undefined) {
    sink.addCheck(at, status);
    return { productId, attributedFrom: at, lastCheckedAt: at, lastStatus: status, inOutage: false };
  }
  if (at > cursor.lastCheckedAt) {
    attributeSpan(sink, cursor.lastCheckedAt, at, cap, cursor.lastStatus, cursor.inOutage);
    sink.addCheck(at, status);
    cursor.lastCheckedAt = at;
    cursor.lastStatus = status;
  }
  return cursor;
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

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
