import type { Kysely } from 'kysely';
import { backoffDelayMs } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import { toEpochSeconds } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import {
  claimOutboxRow,
  type Destination,
  dispatchDueEvents,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  type OutboxPayload,
  type OutboxRow,
  selectLaneHead,
  selectLaneHeads,
} from '../store/outbox-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { DeliveryError, type Notifier } from './notifier.js';
import { matchesProductPattern } from './routing.js';

export type DeliveryResult = 'sent' | 'retry' | 'failed';

export interface DeliveryResultDetail {
  destination: string;
  /** Attempts so far, this one included. */
  attempts: number;
  /** Secret-free error text, for retry and failed. */
  error?: string;
}

export interface OutboxWorkerOptions {
  db: Kysely<DatabaseSchema>;
  notifiers: readonly Notifier[];
  destinations: readonly Destination[];
  logger: Logger;
  clock: Clock;
  groupWaitMs: number;
  retryForMs: number;
  /** The notifiers' per-send timeout; a claimed row is leased for this long plus a margin. */
  sendTimeoutMs?: number;
  productCount: () => number;
  /** Called after every delivery attempt, for metrics. Must not throw. */
  onResult?: (channel: string, result: DeliveryResult, detail: DeliveryResultDetail) => void;
  /** Backoff for 5xx and network errors (429 uses Retry-After when given). */
  backoff?: { baseMs: number; maxMs: number };
  random?: () => number;
}

/** Margin on top of the send timeout before a claimed row may be claimed again. */
const LEASE_MARGIN_MS = 5000;
/** Wait before retrying a pass that failed (database locked or busy). */
const PASS_RETRY_MS = 5000;
/** Longest sleep between passes; a safety net, not the delivery path (commits wake the worker). */
const MAX_SLEEP_MS = 60_000;

/**
 * Delivers the outbox.
 *
 * - Latency: `wake()` is called right after a commit that added alert
 *   events, so an alert leaves as soon as its group wait is over (at once with
 *   `groupWait: 0`); a timer set to the exact next due time covers group waits
 *   and retries, never a slow poll.
 * - Isolation: each destination (channel + route label) is its own lane, so a
 *   slow or failing Slack webhook never delays email or another webhook, and
 *   every send has a timeout.
 * - Order: within a lane rows go strictly oldest first; a row waiting for a
 *   retry holds back the rows behind it, so a recovery never overtakes its
 *   interruption.
 * - Durability: a row is claimed (leased) before the send and marked sent only
 *   after the provider acknowledged it. If the process dies mid-send, the row
 *   is due again when the lease ends, on this or the next start.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private abort = new AbortController();
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly byChannel: Map<string, Notifier>;
  private readonly leaseMs: number;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.byChannel = new Map(options.notifiers.map((notifier) => [notifier.channel, notifier]));
    this.leaseMs = (options.sendTimeoutMs ?? 10_000) + LEASE_MARGIN_MS;
  }

  start(): void {
    this.stopped = false;
    if (this.abort.signal.aborted) this.abort = new AbortController();
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
      .catch((error: unknown) => {
        // E.g. the database was locked: try again shortly rather than waiting for the next commit.
        this.options.logger.error({ err: describeError(error) }, 'outbox pass failed; retrying in 5 s');
        if (this.timer) clearTimeout(this.timer);
        this.timer = this.stopped ? null : setTimeout(() => this.wake(), PASS_RETRY_MS);
        this.timer?.unref();
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Stops taking new work and waits up to `graceMs` for sends in flight; then
   * aborts them. An aborted row is left pending and due at once, so the next
   * start sends it. Never throws.
   */
  async stop(graceMs = 3000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    const drained = Promise.all(this.lanes.values()).then(() => true);
    let graceTimer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      drained,
      new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(graceTimer);
    if (!inTime) {
      this.abort.abort();
      await drained;
    }
  }

  /** Resolves when nothing is being dispatched or sent right now (tests and `netwatch check`). */
  async idle(): Promise<void> {
    while (this.running || this.lanes.size > 0) {
      await this.running;
      await Promise.all(this.lanes.values());
    }
  }

  private nowSeconds(): number {
    return toEpochSeconds(this.options.clock.now());
  }

  private async pass(): Promise<void> {
    const { db } = this.options;
    const dispatched = await dispatchDueEvents(db, {
      now: this.nowSeconds(),
      groupWaitSeconds: Math.ceil(this.options.groupWaitMs / 1000),
      retryForSeconds: Math.ceil(this.options.retryForMs / 1000),
      destinations: this.options.destinations,
      productCount: this.options.productCount(),
      matchesPattern: matchesProductPattern,
    });
    if (dispatched.suppressed > 0)
      this.options.logger.info({ suppressed: dispatched.suppressed }, 'alerts recorded but not sent (silenced)');

    const now = this.nowSeconds();
    for (const head of await selectLaneHeads(db)) {
      const key = laneKey(head.channel, head.destination);
      if (this.stopped || this.lanes.has(key) || head.nextAttemptAt > now) continue;
      const lane = this.runLane(head.channel, head.destination)
        .catch((error: unknown) => this.options.logger.error({ err: describeError(error), channel: head.channel }, 'outbox lane failed'))
        .finally(() => {
          this.lanes.delete(key);
          this.wake();
        });
      this.lanes.set(key, lane);
    }
    await this.scheduleNext();
  }

  /** Sends a lane's due rows oldest first; stops at the first row that must wait for a retry. */
  private async runLane(channel: string, destination: string): Promise<void> {
    const { db } = this.options;
    while (!this.stopped) {
      const row = await selectLaneHead(db, channel, destination);
      const now = this.nowSeconds();
      if (!row || row.next_attempt_at > now) return;
      const leaseUntil = toEpochSeconds(this.options.clock.now() + this.leaseMs) + 1;
      if (!(await claimOutboxRow(db, row.id, now, leaseUntil))) return;
      const keepGoing = await this.deliver(channel, row);
      if (!keepGoing) return;
    }
  }

  /** One attempt. Returns true when the lane may move on (sent, or failed for good). */
  private async deliver(channel: string, row: OutboxRow): Promise<boolean> {
    const { db, clock, logger } = this.options;
    const notifier = this.byChannel.get(channel);
    const attempts = row.attempts + 1;
    const log = logger.child({ outboxId: row.id, channel, destination: row.destination });
    let payload: OutboxPayload;
    try {
      payload = JSON.parse(row.payload) as OutboxPayload;
      if (!notifier) throw new DeliveryError(`channel ${channel} is not configured any more`, false);
      await notifier.send(
        { idempotencyKey: row.idempotency_key, events: payload.events, productCount: payload.productCount },
        row.destination,
        this.abort.signal,
      );
    } catch (error) {
      return this.recordFailure(channel, row, attempts, error, log);
    }
    await markOutboxSent(db, row.id, toEpochSeconds(clock.now()));
    this.report(channel, 'sent', { destination: row.destination, attempts });
    log.info(
      { events: payload.events.length, kinds: [...new Set(payload.events.map((event) => event.kind))], attempts },
      'alert delivered',
    );
    return true;
  }

  private async recordFailure(channel: string, row: OutboxRow, attempts: number, error: unknown, log: Logger): Promise<boolean> {
    const { db, clock } = this.options;
    const message = describeError(error);
    const nowMs = clock.now();
    if (this.abort.signal.aborted) {
      // Shutdown, not the provider's fault: due again at once on the next start.
      await markOutboxRetry(db, row.id, toEpochSeconds(nowMs), message);
      log.warn({ err: message }, 'alert delivery interrupted by shutdown; it stays queued');
      return false;
    }
    const retryable = error instanceof DeliveryError ? error.retryable : true;
    const retryAfterMs = error instanceof DeliveryError ? error.retryAfterMs : null;
    const waitMs =
      retryAfterMs ??
      backoffDelayMs(attempts, this.options.backoff?.baseMs ?? 2000, this.options.backoff?.maxMs ?? 300_000, this.options.random);
    const nextAt = Math.ceil((nowMs + waitMs) / 1000);
    const detail = { destination: row.destination, attempts, error: message };
    if (!retryable) {
      await markOutboxFailed(db, row.id, message);
      this.report(channel, 'failed', detail);
      log.error(
        { err: message, attempts },
        'alert delivery failed permanently; not retrying (fix the channel config, then run `netwatch notify-test`)',
      );
      return true;
    }
    if (nextAt > row.give_up_at) {
      await markOutboxFailed(db, row.id, `gave up after ${attempts} attempts: ${message}`);
      this.report(channel, 'failed', detail);
      log.error({ err: message, attempts }, 'alert delivery gave up after the retry window (alerting.retryFor)');
      return true;
    }
    await markOutboxRetry(db, row.id, nextAt, message);
    this.report(channel, 'retry', detail);
    log.warn(
      { err: message, attempts, retryInMs: nextAt * 1000 - nowMs, retryAfter: retryAfterMs !== null },
      'alert delivery failed; will retry',
    );
    return false;
  }

  private report(channel: string, result: DeliveryResult, detail: DeliveryResultDetail): void {
    try {
      this.options.onResult?.(channel, result, detail);
    } catch (error) {
      this.options.logger.warn({ err: describeError(error) }, 'delivery result callback threw');
    }
  }

  private async scheduleNext(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    const { db } = this.options;
    const heads = (await selectLaneHeads(db)).filter((head) => !this.lanes.has(laneKey(head.channel, head.destination)));
    const oldestEvent = await db
      .selectFrom('alert_events')
      .select((eb) => eb.fn.min('occurred_at').as('oldest'))
      .where('dispatched_at', 'is', null)
      .executeTakeFirst();
    const groupWaitSeconds = Math.ceil(this.options.groupWaitMs / 1000);
    const candidates = [
      ...heads.map((head) => head.nextAttemptAt),
      ...(oldestEvent?.oldest == null ? [] : [oldestEvent.oldest + groupWaitSeconds]),
    ];
    // With nothing scheduled, still look again now and then: rows written by another process
    // (`netwatch check`, a restart of the CLI) must not wait for this process's next commit.
    const delayMs =
      candidates.length === 0
        ? MAX_SLEEP_MS
        : Math.min(MAX_SLEEP_MS, Math.max(50, Math.min(...candidates) * 1000 - this.options.clock.now()));
    this.timer = setTimeout(() => this.wake(), delayMs);
    this.timer.unref();
  }
}

function laneKey(channel: string, destination: string): string {
  return `${channel}\u0000${destination}`;
}
