import type { Kysely } from 'kysely';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { type BatchExtension, type RecordedCheck, writeCheckBatch } from '../store/check-batch-writer.js';
import type { DatabaseSchema } from '../store/schema-types.js';

export interface CheckRecorderOptions {
  db: Kysely<DatabaseSchema>;
  logger: Logger;
  /** Longest a check waits in memory before its transaction, in ms. Bounds alert latency. */
  flushAfterMs?: number;
  /** A batch this large is written at once. */
  maxBatch?: number;
  extensions?: readonly BatchExtension[];
  /** Called after each commit that inserted alert events; wakes the outbox worker. */
  onAlertsCommitted?: () => void;
  onFlushError?: (error: unknown) => void;
}

/**
 * Buffers checks and writes them in short transactions: one per `maxBatch`
 * checks or per `flushAfterMs`, whichever comes first. A cycle of 500 products
 * at 10 req/s lasts 50 s, so writing once per cycle would delay an alert by up
 * to that long; micro-batches keep the write cost per check low and the alert
 * latency under a second.
 *
 * When a write fails (disk full, lock timeout) the checks stay queued, in
 * order, and are retried on the next flush; nothing is dropped.
 */
export class CheckRecorder {
  private queue: RecordedCheck[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushAfterMs: number;
  private readonly maxBatch: number;
  private consecutiveFailures = 0;

  constructor(private readonly options: CheckRecorderOptions) {
    this.flushAfterMs = options.flushAfterMs ?? 200;
    this.maxBatch = options.maxBatch ?? 1000;
  }

  /** Queues one check. Never throws. */
  record(check: RecordedCheck): void {
    this.queue.push(check);
    if (this.queue.length >= this.maxBatch) {
      void this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.flushAfterMs);
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Writes everything queued so far. Resolves after the write attempt; a failed
   * write is logged and its checks stay queued. Never rejects.
   */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Writes are chained so batches commit in the order their checks were observed.
    this.writing = this.writing.then(() => this.writeQueued());
    return this.writing;
  }

  private async writeQueued(): Promise<void> {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      const result = await writeCheckBatch(this.options.db, batch, this.options.extensions);
      this.consecutiveFailures = 0;
      if (result.alertEvents > 0) this.options.onAlertsCommitted?.();
    } catch (error) {
      this.queue = batch.concat(this.queue);
      this.consecutiveFailures += 1;
      this.options.onFlushError?.(error);
      this.options.logger.error(
        { err: describeError(error), queued: this.queue.length, failures: this.consecutiveFailures },
        'writing checks failed; keeping them in memory and retrying',
      );
      if (this.timer === null) {
        const retryMs = Math.min(30_000, this.flushAfterMs * 2 ** Math.min(this.consecutiveFailures, 8));
        this.timer = setTimeout(() => void this.flush(), retryMs);
        this.timer.unref();
      }
    }
  }

  /** Stops the timer after a final flush. */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
