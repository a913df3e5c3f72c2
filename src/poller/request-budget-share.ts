import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TokenBucket } from '../iimmpact/index.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { releaseRequestLease, renewRequestLease } from '../store/request-lease-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';

const HEARTBEAT_MS = 1000;
const LEASE_TTL_MS = 3500;
/** A newcomer waits this long before its first request, so the others have renewed and slowed down. */
const JOIN_WAIT_MS = 2 * HEARTBEAT_MS;
/** A rate increase waits until the departed process's last requests have left every 1 s window. */
const INCREASE_DELAY_MS = 1200;

export interface RequestBudgetShareOptions {
  db: Kysely<DatabaseSchema>;
  limiter: TokenBucket;
  /** The whole budget, requests per second, shared by every process on this database. */
  totalRate: number;
  role: 'daemon' | 'check';
  clock: Clock;
  logger: Logger;
}

/**
 * Splits `api.maxRequestsPerSecond` between every netwatch process using the
 * same database (the daemon and any `netwatch check`), because IIMMPACT counts
 * requests per IP, not per process. Each process holds a lease renewed every
 * second and runs its limiter at total ÷ live leases.
 *
 * A process that finds others already running waits two heartbeats before its
 * first request (`start` resolves after it), so they have lowered their rates
 * by then. A process that finds none starts at once at the full rate. Rates go
 * down at once but up only after a delay: the process that left may have sent
 * requests in the last second, and IIMMPACT counts those too.
 * If the lease table cannot be written, the process keeps its last share
 * (never more than the total), and logs the error.
 */
export class RequestBudgetShare {
  private readonly holder = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private increaseTimer: NodeJS.Timeout | null = null;
  private sharers = 1;

  constructor(private readonly options: RequestBudgetShareOptions) {}

  /** Registers the lease and applies the share. Resolves when requests may start. */
  async start(): Promise<void> {
    const others = (await this.renew()) - 1;
    this.timer = setInterval(() => void this.renew(), HEARTBEAT_MS);
    this.timer.unref();
    if (others > 0) {
      this.options.logger.info(
        { sharers: this.sharers, rate: this.rate },
        'sharing the IIMMPACT request budget with other netwatch processes',
      );
      await new Promise((resolve) => setTimeout(resolve, JOIN_WAIT_MS));
    }
  }

  /** Requests per second this process may use now. */
  get rate(): number {
    return this.options.totalRate / this.sharers;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.increaseTimer) clearTimeout(this.increaseTimer);
    this.timer = null;
    this.increaseTimer = null;
    await releaseRequestLease(this.options.db, this.holder).catch(() => undefined);
  }

  private applySharers(live: number): void {
    if (live > this.sharers) {
      if (this.increaseTimer) clearTimeout(this.increaseTimer);
      this.increaseTimer = null;
      this.sharers = live;
      this.options.limiter.setRate(this.rate);
    } else if (live < this.sharers && this.increaseTimer === null) {
      this.increaseTimer = setTimeout(() => {
        this.increaseTimer = null;
        this.sharers = live;
        this.options.limiter.setRate(this.rate);
      }, INCREASE_DELAY_MS);
      this.increaseTimer.unref();
    }
  }

  private async renew(): Promise<number> {
    try {
      const live = await renewRequestLease(
        this.options.db,
        { holder: this.holder, pid: process.pid, role: this.options.role, ttlMs: LEASE_TTL_MS },
        this.options.clock.now(),
      );
      this.applySharers(Math.max(1, live));
      return live;
    } catch (error) {
      this.options.logger.error({ err: describeError(error) }, 'request-budget lease renewal failed; keeping the current rate');
      return this.sharers;
    }
  }
}
