import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenBucket } from '../../src/iimmpact/token-bucket.js';
import { NetwatchError } from '../../src/shared/errors.js';
import { maxInWindow as maxInAnyWindow } from '../helpers/arrival-windows.js';

/** Grant times are taken in-process here, so windows are exactly one second. */
const maxInWindow = (times: readonly number[], windowMs = 1000) => maxInAnyWindow(times, windowMs);

describe('token bucket with the real clock', () => {
  it('never lets more than ratePerSecond acquisitions complete in any 1 s window', async () => {
    const bucket = createTokenBucket({ ratePerSecond: 20 });
    const started = performance.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 60 }, () => bucket.acquire().then(() => done.push(performance.now()))));
    const elapsed = performance.now() - started;
    expect(done).toHaveLength(60);
    expect(maxInWindow(done)).toBeLessThanOrEqual(20);
    // 60 grants at 20/s: the first is immediate, the other 59 are (1000 + 20 ms margin) / 20 apart.
    expect(elapsed).toBeGreaterThanOrEqual(59 * 51 - 5);
    expect(bucket.pending).toBe(0);
  });
});

describe('token bucket with fake timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeClock() {
    vi.useFakeTimers({ now: 1_000_000 });
    return { now: () => Date.now() };
  }

  it('holds the sliding-window limit even with a burst as large as the rate', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 10, clock });
    const done: number[] = [];
    const all = Promise.all(Array.from({ length: 35 }, () => bucket.acquire().then(() => done.push(Date.now()))));
    await vi.advanceTimersByTimeAsync(10_000);
    await all;
    expect(done).toHaveLength(35);
    // A classic bucket would grant 10 at t=0 and refill 10 more by t=1000 → 20 in [0, 1000].
    expect(maxInWindow(done)).toBeLessThanOrEqual(10);
    expect(done.filter((t) => t === 1_000_000)).toHaveLength(10);
  });

  it('spaces grants evenly with the default burst of 1', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 4, marginMs: 0, clock });
    const done: number[] = [];
    const all = Promise.all(Array.from({ length: 5 }, () => bucket.acquire().then(() => done.push(Date.now() - 1_000_000))));
    await vi.advanceTimersByTimeAsync(5000);
    await all;
    expect(done).toEqual([0, 250, 500, 750, 1000]);
  });

  it('tryAcquire takes a free token at once, and never one a waiter is queued for', async () => {
    fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 4, marginMs: 0, clock: { now: () => Date.now() } });
    expect(bucket.tryAcquire()).toBe(true);
    expect(bucket.tryAcquire()).toBe(false);
    const waiter = bucket.acquire();
    // The clock passes the next token's time before the limiter's timer has fired: that token is the waiter's.
    vi.setSystemTime(Date.now() + 300);
    expect(bucket.tryAcquire()).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    await waiter;
    expect(bucket.pending).toBe(0);
    vi.setSystemTime(Date.now() + 250);
    const controller = new AbortController();
    controller.abort();
    expect(bucket.tryAcquire(controller.signal)).toBe(false);
    expect(bucket.tryAcquire()).toBe(true);

    const unlimited = createTokenBucket({ ratePerSecond: 0 });
    for (let i = 0; i < 100; i++) expect(unlimited.tryAcquire()).toBe(true);
    expect(unlimited.tryAcquire(controller.signal)).toBe(false);
  });

  it('serves waiters in FIFO order', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 5, clock });
    const order: number[] = [];
    const all = Promise.all(Array.from({ length: 8 }, (_, i) => bucket.acquire().then(() => order.push(i))));
    await vi.advanceTimersByTimeAsync(3000);
    await all;
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects an aborted waiter with NetwatchError aborted and does not consume its token', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 1, marginMs: 0, clock });
    await bucket.acquire();
    const controller = new AbortController();
    const aborted = bucket.acquire(controller.signal);
    const next: number[] = [];
    const later = bucket.acquire().then(() => next.push(Date.now() - 1_000_000));
    expect(bucket.pending).toBe(2);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    await expect(aborted).rejects.toBeInstanceOf(NetwatchError);
    expect(bucket.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    await later;
    expect(next).toEqual([1000]);
    await expect(bucket.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
  });

  it('treats 0 and Infinity as unlimited, and setRate releases waiters', async () => {
    const clock = fakeClock();
    for (const rate of [0, Number.POSITIVE_INFINITY]) {
      const unlimited = createTokenBucket({ ratePerSecond: rate, clock });
      await Promise.all(Array.from({ length: 10_000 }, () => unlimited.acquire()));
      expect(unlimited.ratePerSecond).toBe(Number.POSITIVE_INFINITY);
    }
    const bucket = createTokenBucket({ ratePerSecond: 1, clock });
    await bucket.acquire();
    let released = 0;
    const waiting = Promise.all(Array.from({ length: 5 }, () => bucket.acquire().then(() => released++)));
    await vi.advanceTimersByTimeAsync(10);
    expect(released).toBe(0);
    bucket.setRate(0);
    await waiting;
    expect(released).toBe(5);
  });

  it('keeps the window guarantee across a rate increase', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 5, clock });
    const done: number[] = [];
    const first = Promise.all(Array.from({ length: 5 }, () => bucket.acquire().then(() => done.push(Date.now()))));
    await vi.advanceTimersByTimeAsync(900);
    await first;
    bucket.setRate(8);
    const second = Promise.all(Array.from({ length: 16 }, () => bucket.acquire().then(() => done.push(Date.now()))));
    await vi.advanceTimersByTimeAsync(5000);
    await second;
    expect(maxInWindow(done)).toBeLessThanOrEqual(8);
  });

  it('holds the window limit for arbitrary rates, bursts and arrival patterns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
        async (rate, burst, gaps) => {
          const clock = fakeClock();
          const bucket = createTokenBucket({ ratePerSecond: rate, burst, clock });
          const done: number[] = [];
          const all: Promise<void>[] = [];
          for (const gap of gaps) {
            await vi.advanceTimersByTimeAsync(gap);
            all.push(bucket.acquire().then(() => void done.push(Date.now())));
          }
          await vi.advanceTimersByTimeAsync(gaps.length * 1000 + 1000);
          await Promise.all(all);
          vi.useRealTimers();
          expect(done).toHaveLength(gaps.length);
          expect(maxInWindow(done)).toBeLessThanOrEqual(rate);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stretches window and spacing by marginMs', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ ratePerSecond: 2, burst: 2, marginMs: 100, clock });
    const done: number[] = [];
    const all = Promise.all(Array.from({ length: 4 }, () => bucket.acquire().then(() => done.push(Date.now() - 1_000_000))));
    await vi.advanceTimersByTimeAsync(5000);
    await all;
    expect(done).toEqual([0, 0, 1100, 1100]);
    expect(maxInWindow(done, 1100)).toBeLessThanOrEqual(2);
  });

  it('rejects invalid configuration', () => {
    expect(() => createTokenBucket({ ratePerSecond: 5, marginMs: -1 })).toThrowError(NetwatchError);
    expect(() => createTokenBucket({ ratePerSecond: -1 })).toThrowError(NetwatchError);
    expect(() => createTokenBucket({ ratePerSecond: Number.NaN })).toThrowError(NetwatchError);
    expect(() => createTokenBucket({ ratePerSecond: 5, burst: 0 })).toThrowError(NetwatchError);
    expect(() => createTokenBucket({ ratePerSecond: 5 }).setRate(-3)).toThrowError(NetwatchError);
  });
});
