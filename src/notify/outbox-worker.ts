import type { Kysely } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { toEpochSeconds } from '../shared/clock.js';
import { backoffDelayMs } from '../shared/backoff.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import {
  type Destination,
  dispatchDueEvents,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  nextOutboxAttemptAt,
  type OutboxPayload,
  type OutboxRow,
  selectDueOutboxRows,
} from '../store/outbox-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { DeliveryError, type Notifier } from './notifier.js';

export interface OutboxWorkerOptions {
  db: Kysely<DatabaseSchema>;
  notifiers: readonly Notifier[];
  destinations: readonly Destination[];
  logger: Logger;
  clock: Clock;
  groupWaitMs: number;
  retryForMs: number;
  productCount: () => number;
  /** Called after every delivery attempt, for metrics. */
  onResult?: (channel: string, result: 'sent' | 'retry' | 'failed') => void;
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * Delivers the outbox. `wake()` is called right after a commit that added
 * alert events, so an alert leaves within a second of the confirming check;
 * a timer covers group waits and retries. Each channel has its own lane, so a
 * slow or failing Slack never delays email. Delivery is at least once: a row
 * is marked sent only after the provider acknowledged it.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly byChannel: Map<string, Notifier>;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.byChannel = new Map(options.notifiers.map((notifier) => [notifier.channel, notifier]));
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Runs a pass now, or right after the pass in progress. Never throws. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((error: unknown) => this.options.logger.error({ err: describeError(error) }, 'outbox pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Waits for the pass and the sends in progress; pending rows stay for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.all(this.lanes.values());
  }

  /** Resolves when nothing is being sent right now (tests and `netwatch check`). */
  async idle(): Promise<void> {
    while (this.running || this.lanes.size > 0) {
      await this.running;
      await Promise.all(this.lanes.values());
    }
  }

  private async pass(): Promise<void> {
    const { db, clock } = this.options;
    const now = toEpochSeconds(clock.now());
    await dispatchDueEvents(db, {
      now,
      groupWaitSeconds: Math.ceil(this.options.groupWaitMs / 1000),
      retryForSeconds: Math.ceil(this.options.retryForMs / 1000),
      destinations: this.options.destinations,
      productCount: this.options.productCount(),
    });

    const due = await selectDueOutboxRows(db, now, 500);
    const byChannel = new Map<string, OutboxRow[]>();
    for (const row of due) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row]);
    for (const [channel, rows] of byChannel) {
      if (this.lanes.has(channel)) continue;
      const lane = this.deliverLane(channel, rows).finally(() => {
        this.lanes.delete(channel);
        this.wake();
      });
      this.lanes.set(channel, lane);
    }
    await this.scheduleNext(now);
  }

  private async deliverLane(channel: string, rows: readonly OutboxRow[]): Promise<void> {
    for (const row of rows) {
      if (this.stopped) return;
      await this.deliver(channel, row);
    }
  }

  private async deliver(channel: string, row: OutboxRow): Promise<void> {
    const { db, clock, logger } = this.options;
    const notifier = this.byChannel.get(channel);
    const payload = JSON.parse(row.payload) as OutboxPayload;
    const log = logger.child({ outboxId: row.id, channel, destination: row.destination });
    try {
      if (!notifier) throw new DeliveryError(`channel ${channel} is not configured any more`, false);
      await notifier.send({ idempotencyKey: row.idempotency_key, events: payload.events, productCount: payload.productCount }, row.destination);
      await markOutboxSent(db, row.id, toEpochSeconds(clock.now()));
      this.options.onResult?.(channel, 'sent');
      log.info({ events: payload.events.length, attempts: row.attempts + 1 }, 'alert delivered');
    } catch (error) {
      const message = describeError(error);
      const nowMs = clock.now();
      const retryable = error instanceof DeliveryError ? error.retryable : true;
      const waitMs =
        error instanceof DeliveryError && error.retryAfterMs !== null
          ? error.retryAfterMs
          : backoffDelayMs(row.attempts + 1, this.options.backoff?.baseMs ?? 2000, this.options.backoff?.maxMs ?? 300_000);
      const nextAt = toEpochSeconds(nowMs + waitMs);
      if (!retryable || nextAt > row.give_up_at) {
        await markOutboxFailed(db, row.id, message);
        this.options.onResult?.(channel, 'failed');
        log.error({ err: message, attempts: row.attempts + 1 }, retryable ? 'alert delivery gave up after the retry window' : 'alert delivery failed permanently');
      } else {
        await markOutboxRetry(db, row.id, nextAt, message);
        this.options.onResult?.(channel, 'retry');
        log.warn({ err: message, attempts: row.attempts + 1, retryInMs: waitMs }, 'alert delivery failed; will retry');
      }
    }
  }

  private async scheduleNext(now: number): Promise<void> {
    if (this.stopped) return;
    const { db } = this.options;
    const nextAttempt = await nextOutboxAttemptAt(db);
    const oldestEvent = await db
      .selectFrom('alert_events')
      .select((eb) => eb.fn.min('occurred_at').as('oldest'))
      .where('dispatched_at', 'is', null)
      .executeTakeFirst();
    const groupWaitSeconds = Math.ceil(this.options.groupWaitMs / 1000);
    const candidates = [nextAttempt, oldestEvent?.oldest == null ? null : oldestEvent.oldest + groupWaitSeconds].filter(
      (value): value is number => value !== null,
    );
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (candidates.length === 0) return;
    const delayMs = Math.max(50, (Math.min(...candidates) - now) * 1000);
    this.timer = setTimeout(() => this.wake(), Math.min(delayMs, 60_000));
    this.timer.unref();
  }
}
