import { setTimeout as delay } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { StoreDatabase } from './database.js';
import type { DatabaseSchema } from './schema-types.js';

/**
 * Raw-check retention. Rollups and outages are kept forever; only `checks`
 * is pruned. Deletes run in small transactions with a pause between them, so
 * the daemon's check batches (same connection or another process) get the
 * write lock within milliseconds and never hit busy_timeout.
 */
const PRUNED_BEFORE_KEY = 'retention.pruned_before';

export interface PruneOptions {
  /** Delete checks with `checked_at < before` (epoch seconds). */
  before: number;
  /** Rows per transaction; each takes a few ms. */
  batchSize?: number;
  /** Pause between transactions, in ms, leaving the write lock to others. */
  pauseMs?: number;
  /** Stops between batches; already-deleted batches stay deleted. */
  signal?: AbortSignal;
}

export interface PruneResult {
  deleted: number;
  batches: number;
  /** True when stopped by the signal before finishing. */
  aborted: boolean;
}

/**
 * Deletes raw checks older than `before`, oldest first, batch by batch.
 * Idempotent; safe to interrupt. Records the horizon in `meta` (with the
 * first batch that deletes anything) so reports know raw detail before it is
 * gone. Throws on DB errors (earlier batches stay committed).
 */
export async function pruneChecks(db: Kysely<DatabaseSchema>, options: PruneOptions): Promise<PruneResult> {
  const batchSize = options.batchSize ?? 5000;
  const pauseMs = options.pauseMs ?? 5;
  let deleted = 0;
  let batches = 0;
  for (;;) {
    if (options.signal?.aborted) return { deleted, batches, aborted: true };
    const changed = await db.transaction().execute(async (trx) => {
      const result = await sql`
        delete from checks where (checked_at, product_id) in (
          select checked_at, product_id from checks where checked_at < ${options.before} order by checked_at limit ${batchSize}
        )
      `.execute(trx);
      const count = Number(result.numAffectedRows ?? 0n);
      // The horizon is recorded with the delete it describes, so it is never behind the data.
      if (count > 0) await recordPrunedBefore(trx, options.before);
      return count;
    });
    if (changed === 0) return { deleted, batches, aborted: false };
    deleted += changed;
    batches += 1;
    if (changed < batchSize) return { deleted, batches, aborted: false };
    await delay(pauseMs);
  }
}

/**
 * The retention horizon: raw checks before it may have been deleted. Null if
 * nothing was ever pruned, in which case raw checks are complete.
 */
export async function readPrunedBefore(db: Kysely<DatabaseSchema>): Promise<number | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', PRUNED_BEFORE_KEY).executeTakeFirst();
  const value = row === undefined ? Number.NaN : Number(row.value);
  return Number.isFinite(value) ? value : null;
}

async function recordPrunedBefore(db: Kysely<DatabaseSchema>, before: number): Promise<void> {
  // Only moves forward: a prune with a shorter retention must not hide an earlier, later horizon.
  await db
    .insertInto('meta')
    .values({ key: PRUNED_BEFORE_KEY, value: String(before) })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ value: String(before) })
        .where(sql`cast(meta.value as integer)`, '<', before),
    )
    .execute();
}

export interface ReclaimOptions {
  /** Pages handed back per step (4 KiB each by default). */
  pagesPerStep?: number;
  pauseMs?: number;
  signal?: AbortSignal;
}

export interface ReclaimResult {
  pagesFreed: number;
  /** False when the file was created without auto_vacuum=INCREMENTAL: only a full VACUUM can shrink it. */
  incremental: boolean;
}

/**
 * Returns free pages to the file system with `PRAGMA incremental_vacuum`, a
 * few hundred pages per step. better-sqlite3's `run()` would step the pragma
 * once (one page), so it is executed on the raw handle, while holding
 * Kysely's connection so it never lands inside someone else's transaction.
 * Idempotent; throws on DB errors.
 */
export async function reclaimFreePages(store: Pick<StoreDatabase, 'db' | 'sqlite'>, options: ReclaimOptions = {}): Promise<ReclaimResult> {
  const pagesPerStep = Math.max(1, Math.floor(options.pagesPerStep ?? 500));
  const pauseMs = options.pauseMs ?? 5;
  const onRawHandle = <T>(work: () => T): Promise<T> => store.db.connection().execute(async () => work());
  const incremental = (await onRawHandle(() => store.sqlite.pragma('auto_vacuum', { simple: true }))) === 2;
  if (!incremental) return { pagesFreed: 0, incremental };
  let pagesFreed = 0;
  for (;;) {
    if (options.signal?.aborted) break;
    const freed = await onRawHandle(() => {
      const before = Number(store.sqlite.pragma('freelist_count', { simple: true }));
      if (before === 0) return 0;
      store.sqlite.exec(`pragma incremental_vacuum(${pagesPerStep})`);
      return before - Number(store.sqlite.pragma('freelist_count', { simple: true }));
    });
    if (freed <= 0) break;
    pagesFreed += freed;
    await delay(pauseMs);
  }
  return { pagesFreed, incremental };
}
