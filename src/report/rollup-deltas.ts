import type { RollupDelta } from '../store/rollup-repository.js';
import { addTotals, type BucketTotals, emptyTotals, HourlyTotals, isZeroTotals } from './coverage.js';
import { dayStart } from './time-buckets.js';

/** Hourly totals for many products, as collected before one write. */
export class ProductHourlyTotals {
  readonly products = new Map<number, HourlyTotals>();

  for(productId: number): HourlyTotals {
    let totals = this.products.get(productId);
    if (!totals) {
      totals = new HourlyTotals();
      this.products.set(productId, totals);
    }
    return totals;
  }

  get size(): number {
    return this.products.size;
  }

  /**
   * The hourly deltas and the daily deltas they imply (an hour belongs to
   * exactly one Malaysia day). All-zero buckets are dropped. Pure.
   */
  toDeltas(): { hourly: RollupDelta[]; daily: RollupDelta[] } {
    const hourly: RollupDelta[] = [];
    const daily: RollupDelta[] = [];
    for (const [productId, totals] of this.products) {
      const days = new Map<number, BucketTotals>();
      for (const [hour, bucket] of totals.hours) {
        if (isZeroTotals(bucket)) continue;
        hourly.push({ productId, start: hour, ...bucket });
        const day = dayStart(hour);
        addTotals(days.get(day) ?? days.set(day, emptyTotals()).get(day)!, bucket);
      }
      for (const [day, bucket] of days) if (!isZeroTotals(bucket)) daily.push({ productId, start: day, ...bucket });
    }
    return { hourly, daily };
  }
}
