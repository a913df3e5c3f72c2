/**
 * Arrival times are taken by a server process sharing two busy cores with the
 * daemon and the rest of the suite, so a request can be stamped a few tens of
 * ms late (scheduling delay), which makes its successors look bunched. The
 * limiter itself already leaves a 20 ms margin; windows here are shortened by
 * this much more so the assertion measures the limiter, not the scheduler.
 * A real overrun (a burst, a missed share) exceeds the limit by far more.
 */
export const ARRIVAL_JITTER_MS = 30;

/** The largest number of times inside any half-open window [t, t + windowMs). */
export function maxInWindow(times: readonly number[], windowMs = 1000 - ARRIVAL_JITTER_MS): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
