import type { Clock } from '../shared/clock.js';
import { NetwatchError } from '../shared/errors.js';

/**
 * A process-wide request-rate limiter shared by every IIMMPACT call.
 *
 * Guarantee: in ANY sliding window of 1000 ms + `marginMs` (measured on
 * `clock`), at most `floor(ratePerSecond)` acquisitions complete; so in any
 * 1 s window too. For rates below 1: at most one per
 * `(1000 + marginMs) / ratePerSecond` ms.
 *
 * Why not a plain token bucket: a bucket of capacity N refilled at N/s can grant
 * N at the end of one second and N more at the start of the next, i.e. 2N inside
 * one 1 s window, which is exactly what IIMMPACT's per-IP limit counts. So this
 * is two limits checked together at grant time:
 * - a token bucket of capacity `burst` (default 1) refilled at `ratePerSecond`,
 *   which spaces grants evenly (every (1000 + marginMs) / rate ms with burst 1);
 * - a sliding-window log of the last `floor(rate)` grant times, which makes the
 *   window guarantee hold whatever `burst` is and however timers jitter.
 * With the default burst of 1 the window check is only a safety net. A timer
 * fires a little after its time (about 0.7 ms here, plus rounding to whole
 * ms); while callers are queued, the bucket keeps the time a late grant lost,
 * up to a quarter of an interval, so the next grant is not late too. Dropping
 * it made every interval that much longer: 19.3/s at 20/s with a 20 ms margin
 * (bench, docs/performance.md). The window check still caps every window.
 *
 * Both limits are enforced over 1000 ms + `marginMs` (default 20), not 1000 ms.
 * The guarantee that matters is the one the *server* counts, and a request
 * reaches it some time after its grant: a new TCP/TLS connection or an
 * event-loop stall delays one request more than its neighbours. Measured on
 * loopback that spread is up to ~11 ms, which was enough to put 21 arrivals in
 * a 1 s window at 20/s without a margin. The cost is a rate up to ~2% below
 * nominal (20/s becomes at least 19.6/s), the right side to err on for a
 * per-IP block limit; the margin covers nearly twice the spread measured.
 *
 * Waiters are served strictly FIFO by one timer; there is no polling loop.
 * `ratePerSecond` of 0 or Infinity means "no limit" (loopback benchmarks).
 */
export interface TokenBucket {
  /**
   * Resolves when the caller may start one request. FIFO-fair.
   * Rejects with NetwatchError `aborted` if `signal` aborts first (the place in
   * the queue is given up; no token is consumed). Never rejects otherwise.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /**
   * Takes a token at once when one is free, nobody is queued and `signal` has
   * not aborted; returns false (taking nothing) otherwise, and then `acquire`
   * is the way to wait. Saves a promise per request when the limiter is not
   * what holds requests back (always, when unlimited).
   */
  tryAcquire(signal?: AbortSignal): boolean;
  /** Changes the rate from now on; 0 or Infinity removes the limit. Waiters keep their order. @throws NetwatchError `config_invalid` for negative or NaN. */
  setRate(ratePerSecond: number): void;
  /** The current rate (Infinity when unlimited). */
  readonly ratePerSecond: number;
  /** Number of callers currently waiting. */
  readonly pending: number;
}

export interface TokenBucketOptions {
  /** Maximum acquisitions per second; 0 or Infinity = unlimited. */
  ratePerSecond: number;
  /**
   * Grants allowed back to back before spacing applies; default 1 (evenly
   * spaced). Values above `floor(rate)` are clamped, because the window check
   * would stop them anyway.
   */
  burst?: number;
  /**
   * Extra milliseconds added to the 1000 ms window (see above); default 50, 0
   * for exact spacing. Also stretches the spacing: grants are (1000 + marginMs)
   * / rate ms apart with burst 1.
   */
  marginMs?: number;
  /**
   * Millisecond time source. Only differences matter, so the default is
   * monotonic (`performance.now()`), immune to wall-clock steps. An injected
   * clock must advance with real timers (e.g. vitest fake timers).
   */
  clock?: Clock;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

const WINDOW_MS = 1000;
const DEFAULT_MARGIN_MS = 20;
/** Tokens a queued grant may carry past `burst`: lateness up to a quarter interval is made up. */
const LATENESS_CARRY = 0.25;

const monotonicClock: Clock = { now: () => performance.now() };

function validateRate(ratePerSecond: number): number {
  if (Number.isNaN(ratePerSecond) || ratePerSecond < 0) {
    throw new NetwatchError('config_invalid', `rate limit must be >= 0 requests/s (0 = unlimited), got ${ratePerSecond}`);
  }
  return ratePerSecond === 0 ? Number.POSITIVE_INFINITY : ratePerSecond;
}

/**
 * Creates a limiter. Starts full: the first `burst` acquisitions complete at once.
 * @throws NetwatchError `config_invalid` for a negative/NaN rate or burst < 1.
 */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const clock = options.clock ?? monotonicClock;
  const requestedBurst = options.burst ?? 1;
  if (!(requestedBurst >= 1)) throw new NetwatchError('config_invalid', `burst must be >= 1, got ${requestedBurst}`);
  const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
  if (!(marginMs >= 0 && Number.isFinite(marginMs))) throw new NetwatchError('config_invalid', `marginMs must be >= 0, got ${marginMs}`);
  const windowMs = WINDOW_MS + marginMs;

  let rate = validateRate(options.ratePerSecond);
  let intervalMs = 0;
  let burst = 1;
  let tokens = 0;
  let lastRefillMs = clock.now();
  // Ring buffer of the most recent grant times: `ring[head]` is the oldest once full.
  let ring = new Float64Array(1);
  let ringHead = 0;
  let ringSize = 0;

  const queue: Waiter[] = [];
  let queueHead = 0;
  let pending = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function configure(newRate: number): void {
    rate = newRate;
    if (!Number.isFinite(rate)) return;
    intervalMs = windowMs / rate;
    const windowCapacity = Math.max(1, Math.floor(rate));
    burst = Math.min(Math.floor(requestedBurst), windowCapacity);
    tokens = Math.min(tokens, burst);
    // Keep the newest grants so a rate change cannot open a fresh window early.
    const kept = Math.min(ringSize, windowCapacity);
    const next = new Float64Array(windowCapacity);
    for (let i = 0; i < kept; i++) next[i] = ring[(ringHead - kept + i + ring.length) % ring.length] as number;
    ring = next;
    ringSize = kept;
    ringHead = kept % windowCapacity;
  }

  configure(rate);
  tokens = burst;

  /** Milliseconds until a grant is allowed at `now`; 0 when allowed. Refills the bucket as a side effect. */
  function waitMs(now: number): number {
    // Above `burst` only while callers queue: lateness is carried, idle time is not.
    const cap = pending > 0 ? burst + LATENESS_CARRY : burst;
    tokens = Math.min(cap, tokens + (now - lastRefillMs) / intervalMs);
    lastRefillMs = now;
    let wait = tokens >= 1 ? 0 : (1 - tokens) * intervalMs;
    if (ringSize === ring.length) {
      const oldest = ring[ringHead] as number;
      wait = Math.max(wait, oldest + windowMs - now);
    }
    return wait;
  }

  function grant(now: number): void {
    tokens -= 1;
    ring[ringHead] = now;
    ringHead = (ringHead + 1) % ring.length;
    if (ringSize < ring.length) ringSize += 1;
  }

  function nextWaiter(): Waiter | undefined {
    while (queueHead < queue.length) {
      const waiter = queue[queueHead] as Waiter;
      if (!waiter.done) {
        // Compact now and then: shifting on every grant would be O(n) each time.
        if (queueHead >= 1024 && queueHead * 2 >= queue.length) {
          queue.splice(0, queueHead);
          queueHead = 0;
        }
        return waiter;
      }
      queueHead += 1;
    }
    queue.length = 0;
    queueHead = 0;
    return undefined;
  }

  function settle(waiter: Waiter): void {
    waiter.done = true;
    pending -= 1;
    queueHead += 1;
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }

  function drain(): void {
    timer = undefined;
    for (let waiter = nextWaiter(); waiter !== undefined; waiter = nextWaiter()) {
      if (!Number.isFinite(rate)) {
        settle(waiter);
        continue;
      }
      const now = clock.now();
      const wait = waitMs(now);
      if (wait > 0) {
        // Timers may fire a little early relative to `clock`; drain re-checks and re-arms.
        timer = setTimeout(drain, Math.max(1, Math.ceil(wait)));
        return;
      }
      grant(now);
      settle(waiter);
    }
  }

  function reschedule(): void {
    if (timer !== undefined) clearTimeout(timer);
    drain();
  }

  function tryAcquire(signal: AbortSignal | undefined): boolean {
    if (pending !== 0 || signal?.aborted) return false;
    if (!Number.isFinite(rate)) return true;
    const now = clock.now();
    if (waitMs(now) > 0) return false;
    grant(now);
    return true;
  }

  return {
    tryAcquire,
    acquire(signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (tryAcquire(signal)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, done: false };
        if (signal !== undefined) {
          waiter.onAbort = () => {
            if (waiter.done) return;
            waiter.done = true;
            pending -= 1;
            reject(abortError(signal));
            // The head may have left; let the next waiter's schedule be recomputed.
            if (pending === 0 && timer !== undefined) {
              clearTimeout(timer);
              timer = undefined;
            }
          };
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        queue.push(waiter);
        pending += 1;
        if (timer === undefined) drain();
      });
    },
    setRate(ratePerSecond: number): void {
      configure(validateRate(ratePerSecond));
      if (pending > 0) reschedule();
    },
    get ratePerSecond() {
      return rate;
    },
    get pending() {
      return pending;
    },
  };
}

function abortError(signal: AbortSignal): NetwatchError {
  return new NetwatchError('aborted', 'aborted while waiting for the rate limiter', { cause: signal.reason });
}
