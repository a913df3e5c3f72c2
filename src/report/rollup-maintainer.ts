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
import { attributeSpan, classifySpans, HourlyTotals } from './coverage.js';
import { ProductHourlyTotals } from './rollup-deltas.js';
import { hourStart } from './time-buckets.js';

export interface RollupMaintainerOptions {
  /** See `coverageCapForInterval`; recorded in `meta` so reports use the same value. */
  coverageCapSeconds: number;
}

/**
 * What this process knows: the tables as of fold-state `epoch`, plus the
 * checks it folded since its last flush.
 */
interface FoldMemory {
  epoch: number;
  foldedThrough: number | null;
  cursors: Map<number, RollupCursor>;
  /** Folded, not yet written. */
  pending: ProductHourlyTotals;
  /** Products whose cursor changed since the last flush. */
  pendingCursors: Set<number>;
  /** Newest check time in `pending`. */
  pendingThrough: number | null;
}

/** What one transaction did, adopted by `committed` or dropped by `rolledBack`. */
interface Staged {
  memory: FoldMemory;
  totals: ProductHourlyTotals;
  cursors: Map<number, RollupCursor>;
  through: number | null;
  flushed: boolean;
  epoch: number;
}

/**
 * Keeps `rollup_hourly`, `rollup_daily` and `rollup_cursor` up to date as a
 * BatchExtension of the check writer.
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
 * **When it writes.** Folding happens in memory; the tables are written (a
 * flush) only when the hour changes, when a batch confirms an outage or a
 * recovery, when a check is older than the last flush by more than
 * UNFOLDED_SLACK_SECONDS, and on `flush()` at shutdown. Writing three rows
 * per product on every batch cost five times the checks themselves
 * (docs/performance.md). A flush happens inside the batch's transaction, so
 * the tables always match the outages table; checks after a product's cursor
 * are simply not folded yet, and readers (`buildReport`) classify those few
 * from the raw checks.
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
 * the memory then stays as it was, and the recorder's retry applies the batch
 * once.
 */
export class RollupMaintainer implements BatchExtension {
  private memory: FoldMemory | null = null;
  private staged: Staged | null = null;
  private readonly cap: number;

  constructor(options: RollupMaintainerOptions) {
    this.cap = options.coverageCapSeconds;
  }

  apply(trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[]): Promise<void> {
    return this.fold(trx, batch, false);
  }

  committed(): void {
    const staged = this.staged;
    this.staged = null;
    if (!staged) return;
    const memory = staged.memory;
    memory.epoch = staged.epoch;
    for (const [productId, cursor] of staged.cursors) memory.cursors.set(productId, cursor);
    if (staged.flushed) {
      memory.foldedThrough = maxOf(memory.foldedThrough, maxOf(memory.pendingThrough, staged.through));
      memory.pending = new ProductHourlyTotals();
      memory.pendingCursors.clear();
      memory.pendingThrough = null;
    } else {
      memory.pending.addAll(staged.totals);
      for (const productId of staged.cursors.keys()) memory.pendingCursors.add(productId);
      memory.pendingThrough = maxOf(memory.pendingThrough, staged.through);
    }
    this.memory = memory;
  }

  rolledBack(): void {
    this.staged = null;
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
    this.staged = null;
    const stored = await readFoldState(trx);
    let memory = this.memory;
    let resynced = false;
    if (memory === null || memory.epoch !== stored.epoch) {
      memory = await this.reread(trx, stored, batch);
      resynced = memory.pendingThrough !== null;
    }

    const totals = new ProductHourlyTotals();
    const cursors = new Map<number, RollupCursor>();
    const corrected = new Set<number>();
    let through: number | null = null;
    let oldest: number | null = null;
    for (const check of batch) {
      const at = check.observation.checkedAt;
      const status = STATUS_CODE[check.observation.status];
      const previous = cursors.get(check.productId) ?? memory.cursors.get(check.productId);
      const sink = totals.for(check.productId);
      const cursor = foldCheck(sink, previous, check.productId, at, status, this.cap);
      for (const event of check.events) {
        if (event.type !== 'outage_opened' && event.type !== 'outage_closed') continue;
        corrected.add(check.productId);
        const change = event.type === 'outage_opened' ? 'opened' : 'closed';
        const from = Math.max(event.type === 'outage_opened' ? event.startedAt : event.endedAt, cursor.attributedFrom);
        await reclassify(trx, sink, check.productId, from, cursor.lastCheckedAt, this.cap, change);
      }
      cursor.inOutage = check.next.confirmed === 'Interruption';
      cursors.set(check.productId, cursor);
      through = maxOf(through, at);
      oldest = oldest === null ? at : Math.min(oldest, at);
    }

    const lastFlushHour = memory.foldedThrough === null ? null : hourStart(memory.foldedThrough);
    const newestHour = through === null ? null : hourStart(through);
    const flush =
      forceFlush ||
      resynced ||
      corrected.size > 0 ||
      (newestHour !== null && (lastFlushHour === null || newestHour > lastFlushHour)) ||
      (oldest !== null && memory.foldedThrough !== null && oldest <= memory.foldedThrough - UNFOLDED_SLACK_SECONDS);
    const nothingNew = batch.length === 0 && memory.pendingThrough === null;
    if (nothingNew && memory === this.memory) return;

    const epoch = stored.epoch + 1;
    if (flush && !nothingNew) {
      await this.write(trx, memory, totals, cursors, corrected);
      await writeFoldState(trx, { epoch, foldedThrough: maxOf(memory.foldedThrough, maxOf(memory.pendingThrough, through)) });
    } else {
      await writeFoldState(trx, { epoch, foldedThrough: memory.foldedThrough });
    }
    this.staged = { memory, totals, cursors, through, flushed: flush, epoch };
  }

  /** Writes the memory's pending folds plus this transaction's, and the cursors they moved. */
  private async write(
    trx: Transaction<DatabaseSchema>,
    memory: FoldMemory,
    totals: ProductHourlyTotals,
    cursors: ReadonlyMap<number, RollupCursor>,
    corrected: ReadonlySet<number>,
  ): Promise<void> {
    const { hourly, daily } = new ProductHourlyTotals().addAll(memory.pending).addAll(totals).toDeltas();
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
    const moved = new Set([...memory.pendingCursors, ...cursors.keys()]);
    await saveRollupCursors(
      trx,
      [...moved].map((id) => (cursors.get(id) ?? memory.cursors.get(id)) as RollupCursor),
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
      pendingCursors: new Set(),
      pendingThrough: null,
    };
    const inBatch = new Set(batch.map((check) => `${check.productId}:${check.observation.checkedAt}`));
    for (const check of await selectUnfoldedChecks(trx, cursors, stored.foldedThrough)) {
      if (inBatch.has(`${check.productId}:${check.at}`)) continue;
      const previous = cursors.get(check.productId);
      const cursor = foldCheck(memory.pending.for(check.productId), previous, check.productId, check.at, check.status, this.cap);
      // No outage changed after the cursor (that would have flushed), so the outage state carries on.
      cursor.inOutage = previous?.inOutage ?? false;
      cursors.set(check.productId, cursor);
      memory.pendingCursors.add(check.productId);
      memory.pendingThrough = maxOf(memory.pendingThrough, check.at);
    }
    return memory;
  }
}

/**
 * Folds one check after `previous` (the product's cursor, if any) into `sink`
 * and returns the product's next cursor, its outage flag still the previous
 * one (the caller sets it).
 */
function foldCheck(
  sink: HourlyTotals,
  previous: RollupCursor | undefined,
  productId: number,
  at: number,
  status: number,
  cap: number,
): RollupCursor {
  // A duplicate or out-of-order check adds no time or count.
  const fresh = previous === undefined || at > previous.lastCheckedAt;
  if (fresh) {
    if (previous) attributeSpan(sink, previous.lastCheckedAt, at, cap, previous.lastStatus, previous.inOutage);
    sink.addCheck(at, status);
  }
  return {
    productId,
    attributedFrom: previous?.attributedFrom ?? at,
    lastCheckedAt: fresh ? at : previous.lastCheckedAt,
    lastStatus: fresh ? status : previous.lastStatus,
    inOutage: previous?.inOutage ?? false,
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

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
