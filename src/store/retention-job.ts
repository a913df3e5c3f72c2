import type { Clock } from '../shared/clock.js';
import { toEpochSeconds } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { StoreDatabase } from './database.js';
import { type PruneResult, pruneChecks, type ReclaimResult, reclaimFreePages } from './retention.js';

export interface RetentionJobOptions {
  store: Pick<StoreDatabase, 'db' | 'sqlite'>;
  logger: Logger;
  clock: Clock;
  /** Raw checks older than this many days are deleted (`retention.checksDays`). */
  checksDays: number;
  /** Delay before the first run, so start-up and the first poll are not slowed. Default 5 minutes. */
  firstRunDelayMs?: number;
  /** Default 24 hours. */
  intervalMs?: number;
}

export interface RetentionRun {
  before: number;
  prune: PruneResult;
  reclaim: ReclaimResult;
}

/**
 * The daily retention job: prune raw checks in small batches, then reclaim
 * the freed pages. Runs never overlap. `stop` aborts a run between batches
 * and waits for it, so the database can be closed right after.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<RetentionRun | null> | null = null;
  private controller = new AbortController();
  private stopped = false;

  constructor(private readonly options: RetentionJobOptions) {}

  /** Schedules the first run and the daily ones. Idempotent. */
  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.schedule(this.options.firstRunDelayMs ?? 300_000);
  }

  /**
   * Runs once now (or joins the run in progress). Never rejects: failures
   * are logged and retried at the next interval. Resolves null when stopped.
   */
  runNow(): Promise<RetentionRun | null> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Cancels the schedule and waits for a run in progress to stop between batches. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.controller.abort();
    await this.inFlight;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runNow().then(() => {
        if (!this.stopped) this.schedule(this.options.intervalMs ?? 86_400_000);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async run(): Promise<RetentionRun | null> {
    const { store, logger, clock } = this.options;
    const signal = this.controller.signal;
    const before = toEpochSeconds(clock.now()) - this.options.checksDays * 86_400;
    try {
      const prune = await pruneChecks(store.db, { before, signal });
      const reclaim = prune.deleted > 0 ? await reclaimFreePages(store, { signal }) : { pagesFreed: 0, incremental: true };
      if (prune.deleted > 0 || prune.aborted) {
        logger.info(
          { before, deleted: prune.deleted, batches: prune.batches, pagesFreed: reclaim.pagesFreed, aborted: prune.aborted },
          'retention: pruned raw checks',
        );
      }
      if (!reclaim.incremental)
        logger.warn('retention: database file lacks auto_vacuum=INCREMENTAL; run VACUUM once (daemon stopped) to shrink it');
      return signal.aborted ? null : { before, prune, reclaim };
    } catch (error) {
      logger.error({ err: describeError(error) }, 'retention: pruning failed; will retry at the next run');
      return null;
    }
  }
}
