import { STATUS_CODE } from '../domain/status.js';
import { HOUR_SECONDS, hourStart } from './time-buckets.js';

/**
 * How time is classified, to the second. This is the single definition behind
 * the rollups, `rollup --rebuild`, reports and the README:
 *
 * - A check at `t` covers `[t, min(next check of the same product, t + cap, now))`.
 *   `cap` (the coverage cap) bounds how long one check vouches for a product, so
 *   a stopped daemon shows up as unmonitored time rather than as uptime.
 * - A second inside an outage (`[started_at, ended_at)`, or up to now while
 *   open) is DOWN, whatever the checks said, because the outage is the
 *   confirmed fact. Gaps and Unknown checks inside an outage are down too.
 * - A second outside outages covered by a Healthy or Interruption check is UP.
 *   (A lone Interruption that never confirmed an outage does not make a product
 *   down: only confirmed transitions do.)
 * - Every other second is UNMONITORED: covered by an Unknown check, a gap
 *   longer than the cap, or before the product's first check.
 * - Uptime % = up / (up + down); unmonitored time counts as neither.
 *
 * Rollups store `healthy_s` (UP) and `interruption_s` (DOWN) per bucket for
 * the time between consecutive checks; the stretch after a product's latest
 * check is added by the report when it runs. Everything here is pure.
 */
export const DEFAULT_COVERAGE_CAP_SECONDS = 300;

/**
 * The cap for a schedule: twice the shortest interval between cycles, so one
 * slow or skipped cycle is not a gap, and never below 5 minutes.
 */
export function coverageCapForInterval(scheduleIntervalSeconds: number): number {
  return Math.max(DEFAULT_COVERAGE_CAP_SECONDS, Math.round(2 * scheduleIntervalSeconds));
}

/** One check of one product: epoch seconds and the on-disk status code (0 Unknown, 1 Healthy, 2 Interruption). */
export interface CheckPoint {
  at: number;
  status: number;
}

/** A half-open interval of epoch seconds; `end` may be `Infinity` for an open outage. */
export interface OutageInterval {
  start: number;
  end: number;
}

/** Per-bucket totals, as stored in `rollup_hourly` / `rollup_daily`. */
export interface BucketTotals {
  healthyChecks: number;
  interruptionChecks: number;
  unknownChecks: number;
  healthyS: number;
  interruptionS: number;
}

export type SecondsField = 'healthyS' | 'interruptionS';

export function emptyTotals(): BucketTotals {
  return { healthyChecks: 0, interruptionChecks: 0, unknownChecks: 0, healthyS: 0, interruptionS: 0 };
}

export function addTotals(into: BucketTotals, from: BucketTotals): BucketTotals {
  into.healthyChecks += from.healthyChecks;
  into.interruptionChecks += from.interruptionChecks;
  into.unknownChecks += from.unknownChecks;
  into.healthyS += from.healthyS;
  into.interruptionS += from.interruptionS;
  return into;
}

export function isZeroTotals(totals: BucketTotals): boolean {
  return (
    totals.healthyChecks === 0 &&
    totals.interruptionChecks === 0 &&
    totals.unknownChecks === 0 &&
    totals.healthyS === 0 &&
    totals.interruptionS === 0
  );
}

/** Where classified seconds and counted checks go. Implementations split by bucket. */
export interface TotalsSink {
  /** Adds `sign * (to - from)` seconds to `field`; `[from, to)` may span many hours. */
  addSeconds(from: number, to: number, field: SecondsField, sign?: number): void;
  addCheck(at: number, status: number): void;
}

/** Totals keyed by hour start, for one product. */
export class HourlyTotals implements TotalsSink {
  readonly hours = new Map<number, BucketTotals>();
  /** The bucket asked for last: a product's checks arrive in time order, so it is nearly always the next one wanted. */
  private lastHour = Number.NaN;
  private lastBucket: BucketTotals | undefined;

  bucket(hour: number): BucketTotals {
    if (hour === this.lastHour && this.lastBucket !== undefined) return this.lastBucket;
    let totals = this.hours.get(hour);
    if (!totals) {
      totals = emptyTotals();
      this.hours.set(hour, totals);
    }
    this.lastHour = hour;
    this.lastBucket = totals;
    return totals;
  }

  addSeconds(from: number, to: number, field: SecondsField, sign = 1): void {
    let start = from;
    while (start < to) {
      const hour = hourStart(start);
      const end = Math.min(to, hour + HOUR_SECONDS);
      this.bucket(hour)[field] += sign * (end - start);
      start = end;
    }
  }

  addCheck(at: number, status: number): void {
    const totals = this.bucket(hourStart(at));
    if (status === STATUS_CODE.Healthy) totals.healthyChecks += 1;
    else if (status === STATUS_CODE.Interruption) totals.interruptionChecks += 1;
    else totals.unknownChecks += 1;
  }

  /** Sum over every hour. */
  total(): BucketTotals {
    const sum = emptyTotals();
    for (const totals of this.hours.values()) addTotals(sum, totals);
    return sum;
  }
}

/**
 * Classifies the span between one check and the next when the span is known
 * to lie wholly inside or wholly outside an outage. That always holds between
 * consecutive checks, because outages start and end at check times.
 *
 * @param start the check's time
 * @param next the next check's time (the span's end)
 */
export function attributeSpan(sink: TotalsSink, start: number, next: number, capSeconds: number, status: number, inOutage: boolean): void {
  if (next <= start) return;
  if (inOutage) sink.addSeconds(start, next, 'interruptionS');
  else if (status !== STATUS_CODE.Unknown) sink.addSeconds(start, Math.min(next, start + capSeconds), 'healthyS');
}

export interface ClassifyInput {
  /** One product's checks, ascending by time, without duplicates. */
  checks: readonly CheckPoint[];
  /** That product's outages, ascending and non-overlapping. */
  outages: readonly OutageInterval[];
  /** Only seconds inside `[from, to)` are attributed. */
  from: number;
  to: number;
  capSeconds: number;
  /**
   * The product's latest check overall, if later checks exist beyond the
   * array (the array was cut at a range end). A last array element earlier
   * than this has a successor somewhere after the array. Defaults to the last
   * element's time: the last check attributes nothing (its span is open).
   */
  latestCheckAt?: number;
}

/**
 * Attributes the spans between consecutive checks (as the rollups do),
 * splitting each span at outage boundaries. Counts no checks; see `countChecks`.
 */
export function classifySpans(input: ClassifyInput, sink: TotalsSink): void {
  const { checks, outages, from, to, capSeconds } = input;
  let outageIndex = 0;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i] as CheckPoint;
    let next = checks[i + 1]?.at;
    if (next === undefined) {
      if (input.latestCheckAt === undefined || input.latestCheckAt <= check.at) continue;
      next = Number.POSITIVE_INFINITY;
    }
    const a = Math.max(check.at, from);
    const b = Math.min(next, to);
    if (a >= b) continue;
    const coveredUntil = Math.min(next, check.at + capSeconds);
    const known = check.status !== STATUS_CODE.Unknown;
    while (outageIndex < outages.length && (outages[outageIndex] as OutageInterval).end <= a) outageIndex++;
    let cursor = a;
    for (let k = outageIndex; cursor < b && k < outages.length; k++) {
      const outage = outages[k] as OutageInterval;
      if (outage.start >= b) break;
      if (outage.start > cursor) {
        if (known) addCovered(sink, cursor, outage.start, coveredUntil);
        cursor = outage.start;
      }
      const downEnd = Math.min(outage.end, b);
      if (downEnd > cursor) {
        sink.addSeconds(cursor, downEnd, 'interruptionS');
        cursor = downEnd;
      }
    }
    if (cursor < b && known) addCovered(sink, cursor, b, coveredUntil);
  }
}

function addCovered(sink: TotalsSink, from: number, to: number, coveredUntil: number): void {
  const end = Math.min(to, coveredUntil);
  if (end > from) sink.addSeconds(from, end, 'healthyS');
}

/** Counts the checks whose time falls in `[from, to)`. */
export function countChecks(sink: TotalsSink, checks: readonly CheckPoint[], from: number, to: number): void {
  for (const check of checks) {
    if (check.at >= from && check.at < to) sink.addCheck(check.at, check.status);
  }
}
