import type { Kysely } from 'kysely';
import { selectOutagesOverlapping, sumOutagesInWindow } from '../store/outage-query.js';
import { listProducts } from '../store/product-repository.js';
import { readPrunedBefore } from '../store/retention.js';
import {
  loadRollupCursors,
  type RawCheck,
  type RollupCursor,
  type RollupSums,
  readCoverageCap,
  readFoldState,
  selectChecksInRange,
  selectUnfoldedChecks,
  sumRollups,
} from '../store/rollup-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import {
  addTotals,
  type BucketTotals,
  type CheckPoint,
  type ClassifyInput,
  classifySpans,
  countChecks,
  DEFAULT_COVERAGE_CAP_SECONDS,
  emptyTotals,
  HourlyTotals,
  type OutageInterval,
} from './coverage.js';
import { ReportInputError } from './report-input-error.js';
import { resolveProducts } from './resolve-products.js';
import { HOUR_SECONDS, hourCeil, hourStart, type SecondsRange, splitIntoDaysAndHours } from './time-buckets.js';
import { outageSummaryFromSums, splitWindow } from './uptime.js';

export interface BuildReportOptions {
  /** Inclusive window start, epoch seconds. */
  from: number;
  /** Exclusive window end, epoch seconds; cut at `now`. */
  to: number;
  /** Epoch seconds; open outages and the latest checks count up to here. */
  now: number;
  /** Product codes; none means every product with data in the window. */
  products?: readonly string[];
  /** Defaults to the cap recorded by the daemon in `meta`, else 300 s. */
  coverageCapSeconds?: number;
}

/** One product's summary. Seconds are whole seconds inside the window; times are epoch seconds. */
export interface ReportRow {
  productCode: string;
  productName: string | null;
  outages: number;
  downtimeS: number;
  /** up / (up + down) * 100; null when nothing was monitored. */
  uptimePct: number | null;
  upS: number;
  unmonitoredS: number;
  unmonitoredPct: number | null;
  /** Mean in-window duration of outages recovered inside the window. */
  mttrS: number | null;
  longestOutageS: number | null;
  lastOutageStartedAt: number | null;
  checks: { healthy: number; interruption: number; unknown: number };
}

export interface UptimeReport {
  /** The window actually used (see `edgesRoundedToHours`). */
  from: number;
  to: number;
  now: number;
  windowS: number;
  /**
   * True when an edge fell inside an hour whose raw checks were already
   * pruned and was moved out to the whole hour, so the figures stay exact for
   * the window shown.
   */
  edgesRoundedToHours: boolean;
  coverageCapSeconds: number;
  rows: ReportRow[];
}

/**
 * The per-product summary for a window, from outages and rollups: whole
 * Malaysia days from `rollup_daily`, whole hours from `rollup_hourly`, and
 * raw checks only for a partial hour at an edge and for the checks not
 * folded into the rollups yet (each at most about an hour's worth).
 * Read-only. Throws ReportInputError for unknown codes or an empty window.
 */
export async function buildReport(db: Kysely<DatabaseSchema>, options: BuildReportOptions): Promise<UptimeReport> {
  const cap = options.coverageCapSeconds ?? (await readCoverageCap(db)) ?? DEFAULT_COVERAGE_CAP_SECONDS;
  const now = options.now;
  const products = resolveProducts(await listProducts(db), options.products);
  const ids = products.map((product) => product.id);

  let from = options.from;
  let to = Math.min(options.to, now);
  if (from >= to) throw new ReportInputError('the report window is empty: it must start before it ends, and before now');
  const prunedBefore = await readPrunedBefore(db);
  const rawComplete = (t: number) => prunedBefore === null || t - cap >= prunedBefore;
  let rounded = false;
  if (from % HOUR_SECONDS !== 0 && !rawComplete(hourStart(from))) {
    from = hourStart(from);
    rounded = true;
  }
  if (to % HOUR_SECONDS !== 0 && !rawComplete(hourStart(to))) {
    to = Math.min(hourCeil(to), now);
    rounded = true;
  }
  const window = { from, to };

  const narrowed = options.products !== undefined && options.products.length > 0;
  const cursors = await loadRollupCursors(db, ids);
  // Checks after a product's cursor are not in the rollups yet (see RollupMaintainer): a short recent stretch.
  const { foldedThrough } = await readFoldState(db);
  const unfolded = groupBy(await selectUnfoldedChecks(db, cursors, foldedThrough, ids), (check) => check.productId);
  // Downtime comes from the outage table itself, aggregated in SQL.
  const outageSums = await sumOutagesInWindow(db, window, now, narrowed ? ids : undefined);

  const totals = new Map<number, BucketTotals>(ids.map((id) => [id, emptyTotals()]));
  const add = (sums: Map<number, RollupSums>) => {
    for (const [id, sum] of sums) addTotals(totals.get(id) as BucketTotals, sum);
  };

  // Whole hours: days from the daily rollup, the rest from the hourly one.
  const interior: SecondsRange = { from: hourCeil(from), to: hourStart(to) };
  const { days, hours } = splitIntoDaysAndHours(interior);
  if (days) add(await sumRollups(db, 'daily', ids, days));
  for (const range of hours) add(await sumRollups(db, 'hourly', ids, range));

  // A partial first hour: always from raw checks, since the hour's rollup includes time before `from`.
  const firstEdgeEnd = from % HOUR_SECONDS !== 0 ? Math.min(hourCeil(from), to) : from;
  await addRawEdge(db, { from, to: firstEdgeEnd }, ids, cap, totals);
  // A partial last hour: its rollup is exact while the product's cursor is before `to`.
  if (to % HOUR_SECONDS !== 0 && hourStart(to) >= hourCeil(from)) {
    const edge = { from: hourStart(to), to };
    // A check exactly at `to` is outside the window but inside the hour's counts.
    const beyond = ids.filter((id) => (cursors.get(id)?.lastCheckedAt ?? Number.NEGATIVE_INFINITY) >= to);
    const beyondSet = new Set(beyond);
    const within = ids.filter((id) => !beyondSet.has(id));
    add(await sumRollups(db, 'hourly', within, { from: edge.from, to: edge.from + HOUR_SECONDS }));
    await addRawEdge(db, edge, beyond, cap, totals);
  }
  // After each cursor (and after any raw first edge): the unfolded checks, and the open span after the latest check.
  await addUnfoldedTails(db, { from: firstEdgeEnd, to }, cursors, unfolded, cap, totals);

  const rows: ReportRow[] = [];
  for (const product of products) {
    const sum = totals.get(product.id) as BucketTotals;
    const upS = sum.healthyS;
    const outages = outageSummaryFromSums(outageSums.get(product.id));
    const split = splitWindow(to - from, upS, outages.downtimeS);
    const checkCount = sum.healthyChecks + sum.interruptionChecks + sum.unknownChecks;
    if (!narrowed && checkCount === 0 && upS === 0 && outages.outages === 0) continue;
    rows.push({
      productCode: product.code,
      productName: product.name,
      outages: outages.outages,
      downtimeS: outages.downtimeS,
      uptimePct: split.uptimePct,
      upS,
      unmonitoredS: split.unmonitoredS,
      unmonitoredPct: split.unmonitoredPct,
      mttrS: outages.mttrS,
      longestOutageS: outages.longestOutageS,
      lastOutageStartedAt: outages.lastOutageStartedAt,
      checks: { healthy: sum.healthyChecks, interruption: sum.interruptionChecks, unknown: sum.unknownChecks },
    });
  }
  return { from, to, now, windowS: to - from, edgesRoundedToHours: rounded, coverageCapSeconds: cap, rows };
}

/**
 * Adds up-seconds and counts for what the rollups do not hold yet, inside
 * `range`: from each product's cursor, the spans between its unfolded checks,
 * and the span after its latest check, `[latest, min(latest + cap, now))`
 * (outages start and end only at check times, so nothing after the latest
 * check changes what it covered). The cursor's own check is in the rollups
 * already; its span is not.
 */
async function addUnfoldedTails(
  db: Kysely<DatabaseSchema>,
  range: SecondsRange,
  cursors: ReadonlyMap<number, RollupCursor>,
  unfolded: ReadonlyMap<number, RawCheck[]>,
  cap: number,
  totals: Map<number, BucketTotals>,
): Promise<void> {
  const tails: { productId: number; from: number; points: CheckPoint[]; fresh: CheckPoint[] }[] = [];
  for (const productId of totals.keys()) {
    const cursor = cursors.get(productId);
    const fresh = (unfolded.get(productId) ?? []).map((check) => ({ at: check.at, status: check.status }));
    const points = cursor ? [{ at: cursor.lastCheckedAt, status: cursor.lastStatus }, ...fresh] : fresh;
    const first = points[0];
    if (first === undefined) continue;
    const from = Math.max(range.from, first.at);
    if (from < range.to) tails.push({ productId, from, points, fresh });
  }
  if (tails.length === 0) return;
  const earliest = Math.min(...tails.map((tail) => tail.from));
  const outages = groupBy(
    await selectOutagesOverlapping(
      db,
      { from: earliest, to: range.to },
      tails.map((tail) => tail.productId),
    ),
    (row) => row.productId,
  );
  for (const { productId, from, points, fresh } of tails) {
    addRawTotals(
      totals,
      productId,
      { checks: points, outages: outageIntervals(outages.get(productId)), from, to: range.to, capSeconds: cap },
      fresh,
      range,
    );
  }
}

/** Adds up-seconds and counts of `[edge.from, edge.to)` computed from raw checks, for the given products. */
async function addRawEdge(
  db: Kysely<DatabaseSchema>,
  edge: SecondsRange,
  ids: readonly number[],
  cap: number,
  totals: Map<number, BucketTotals>,
): Promise<void> {
  if (ids.length === 0 || edge.to <= edge.from) return;
  // One cap before: the check covering the edge's start. One cap after: whether a check follows.
  const raw = await selectChecksInRange(db, { from: edge.from - cap, to: edge.to + cap }, ids);
  const outages = groupBy(await selectOutagesOverlapping(db, edge, ids), (row) => row.productId);
  for (const [productId, checks] of groupBy(raw, (row: RawCheck) => row.productId)) {
    const points: CheckPoint[] = checks.map((check) => ({ at: check.at, status: check.status }));
    addRawTotals(
      totals,
      productId,
      { checks: points, outages: outageIntervals(outages.get(productId)), from: edge.from, to: edge.to, capSeconds: cap },
      points,
      edge,
    );
  }
}

/**
 * Adds, from raw checks, the up-seconds `classifySpans` finds in `input`'s
 * range and the checks of `counted` inside `countRange`. The last check given
 * covers up to a cap after it: a later check is beyond that (reads reach a
 * cap past their range) or there is none (the open span). Seconds inside
 * outages are left out: downtime comes from the outage table.
 */
function addRawTotals(
  totals: Map<number, BucketTotals>,
  productId: number,
  input: Omit<ClassifyInput, 'latestCheckAt'>,
  counted: readonly CheckPoint[],
  countRange: SecondsRange,
): void {
  const sink = new HourlyTotals();
  classifySpans({ ...input, latestCheckAt: Number.POSITIVE_INFINITY }, sink);
  countChecks(sink, counted, countRange.from, countRange.to);
  const sum = sink.total();
  sum.interruptionS = 0;
  addTotals(totals.get(productId) as BucketTotals, sum);
}

function outageIntervals(rows: readonly { startedAt: number; endedAt: number | null }[] | undefined): OutageInterval[] {
  return (rows ?? []).map((o) => ({ start: o.startedAt, end: o.endedAt ?? Number.POSITIVE_INFINITY }));
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
