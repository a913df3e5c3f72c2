import { type Kysely, sql } from 'kysely';
import { preparedQuery } from './prepared-query.js';
import type { DatabaseSchema } from './schema-types.js';

/**
 * Reads and writes of the rollup tables. No maths here: callers (in
 * `src/report/`) decide what to add. Times are epoch seconds.
 */
export type RollupGrain = 'hourly' | 'daily';

/** Amounts to add to one bucket; negative values correct earlier additions. */
export interface RollupDelta {
  productId: number;
  /** `hour_start` or `day_start` of the bucket. */
  start: number;
  healthyChecks: number;
  interruptionChecks: number;
  unknownChecks: number;
  healthyS: number;
  interruptionS: number;
}

export interface RollupSums {
  healthyChecks: number;
  interruptionChecks: number;
  unknownChecks: number;
  healthyS: number;
  interruptionS: number;
}

export interface RollupCursor {
  productId: number;
  attributedFrom: number;
  lastCheckedAt: number;
  lastStatus: number;
  inOutage: boolean;
}

export interface RawCheck {
  productId: number;
  at: number;
  status: number;
}

/**
 * Where the rollup tables stand relative to the raw checks (see
 * `src/report/rollup-maintainer.ts`). Stored in `meta`.
 */
export interface RollupFoldState {
  /**
   * Bumped by every transaction that records checks through a rollup
   * maintainer or rewrites the rollups, so a process can tell that someone
   * else wrote since it last did.
   */
  epoch: number;
  /** The newest check time folded into the tables at the last flush; null before the first. */
  foldedThrough: number | null;
}

/**
 * A check not yet folded into the tables is never older than this before
 * `foldedThrough` (the maintainer flushes at once when one would be), so
 * readers find every unfolded check in a short time slice of `checks`.
 */
export const UNFOLDED_SLACK_SECONDS = 600;

const ROWS_PER_STATEMENT = 500;
const ROWS_PER_JSON_STATEMENT = 5000;
const COVERAGE_CAP_KEY = 'history.coverage_cap_seconds';
const FOLD_STATE_KEY = 'history.rollup_fold_state';

/**
 * Adds deltas to buckets, creating missing ones.
 * Not idempotent (it adds); run it inside the transaction that justifies it.
 *
 * The rows travel as one JSON parameter expanded by `json_each`: on the
 * daemon's write path a 500-row upsert costs about 1 ms this way against
 * about 7 ms as a 3,500-parameter VALUES list (SQLite-specific; another
 * dialect would use unnest or jsonb_to_recordset).
 */
export async function addRollupDeltas(db: Kysely<DatabaseSchema>, grain: RollupGrain, deltas: readonly RollupDelta[]): Promise<void> {
  const table = grain === 'hourly' ? 'rollup_hourly' : 'rollup_daily';
  const key = grain === 'hourly' ? 'hour_start' : 'day_start';
  for (let i = 0; i < deltas.length; i += ROWS_PER_JSON_STATEMENT) {
    const rows = deltas
      .slice(i, i + ROWS_PER_JSON_STATEMENT)
      .map((d) => [d.productId, d.start, d.healthyChecks, d.interruptionChecks, d.unknownChecks, d.healthyS, d.interruptionS]);
    // `where true` lets SQLite parse the upsert after a SELECT.
    await sql`
      insert into ${sql.table(table)} (product_id, ${sql.ref(key)}, healthy_checks, interruption_checks, unknown_checks, healthy_s, interruption_s)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6 from json_each(${JSON.stringify(rows)}) where true
      on conflict (product_id, ${sql.ref(key)}) do update set
        healthy_checks = healthy_checks + excluded.healthy_checks,
        interruption_checks = interruption_checks + excluded.interruption_checks,
        unknown_checks = unknown_checks + excluded.unknown_checks,
        healthy_s = healthy_s + excluded.healthy_s,
        interruption_s = interruption_s + excluded.interruption_s
    `.execute(db);
  }
}

/**
 * Deletes the given buckets if every count and every second in them is zero,
 * as happens when a later correction cancels an earlier addition. Keeps the
 * tables identical to a rebuild, which never writes empty buckets. Idempotent.
 */
export async function deleteEmptyRollups(
  db: Kysely<DatabaseSchema>,
  grain: RollupGrain,
  keys: readonly { productId: number; start: number }[],
): Promise<void> {
  const table = grain === 'hourly' ? 'rollup_hourly' : 'rollup_daily';
  const key = grain === 'hourly' ? 'hour_start' : 'day_start';
  for (let i = 0; i < keys.length; i += ROWS_PER_JSON_STATEMENT) {
    const pairs = keys.slice(i, i + ROWS_PER_JSON_STATEMENT).map((k) => [k.productId, k.start]);
    await sql`
      delete from ${sql.table(table)}
      where (product_id, ${sql.ref(key)}) in (select value ->> 0, value ->> 1 from json_each(${JSON.stringify(pairs)}))
        and healthy_checks = 0 and interruption_checks = 0 and unknown_checks = 0 and healthy_s = 0 and interruption_s = 0
    `.execute(db);
  }
}

/**
 * Sums buckets with `from <= start < to` per product. `productIds` is
 * required so SQLite seeks the primary key per product instead of scanning.
 */
export async function sumRollups(
  db: Kysely<DatabaseSchema>,
  grain: RollupGrain,
  productIds: readonly number[],
  range: { from: number; to: number },
): Promise<Map<number, RollupSums>> {
  const result = new Map<number, RollupSums>();
  if (productIds.length === 0 || range.to <= range.from) return result;
  const table = grain === 'hourly' ? 'rollup_hourly' : 'rollup_daily';
  const key = grain === 'hourly' ? 'hour_start' : 'day_start';
  for (let i = 0; i < productIds.length; i += ROWS_PER_STATEMENT) {
    const ids = productIds.slice(i, i + ROWS_PER_STATEMENT);
    const rows = await sql<{ product_id: number } & Record<'hc' | 'ic' | 'uc' | 'hs' | 'is', number>>`
      select product_id,
             sum(healthy_checks) as hc, sum(interruption_checks) as ic, sum(unknown_checks) as uc,
             sum(healthy_s) as hs, sum(interruption_s) as "is"
      from ${sql.table(table)}
      where product_id in (${sql.join(ids)}) and ${sql.ref(key)} >= ${range.from} and ${sql.ref(key)} < ${range.to}
      group by product_id
    `.execute(db);
    for (const row of rows.rows) {
      result.set(row.product_id, {
        healthyChecks: row.hc,
        interruptionChecks: row.ic,
        unknownChecks: row.uc,
        healthyS: row.hs,
        interruptionS: row.is,
      });
    }
  }
  return result;
}

/** Every bucket of a grain, ordered by product and start; for tests and tools comparing rollups. */
export async function selectAllRollups(db: Kysely<DatabaseSchema>, grain: RollupGrain): Promise<RollupDelta[]> {
  const rows =
    grain === 'hourly'
      ? await db.selectFrom('rollup_hourly').selectAll().orderBy('product_id').orderBy('hour_start').execute()
      : await db.selectFrom('rollup_daily').selectAll().orderBy('product_id').orderBy('day_start').execute();
  return rows.map((row) => ({
    productId: row.product_id,
    start: 'hour_start' in row ? row.hour_start : row.day_start,
    healthyChecks: row.healthy_checks,
    interruptionChecks: row.interruption_checks,
    unknownChecks: row.unknown_checks,
    healthyS: row.healthy_s,
    interruptionS: row.interruption_s,
  }));
}

export async function loadRollupCursors(db: Kysely<DatabaseSchema>, productIds?: readonly number[]): Promise<Map<number, RollupCursor>> {
  const result = new Map<number, RollupCursor>();
  const chunks: (readonly number[] | undefined)[] = [];
  if (productIds === undefined) chunks.push(undefined);
  else for (let i = 0; i < productIds.length; i += ROWS_PER_STATEMENT) chunks.push(productIds.slice(i, i + ROWS_PER_STATEMENT));
  for (const ids of chunks) {
    let query = db.selectFrom('rollup_cursor').selectAll();
    if (ids) {
      if (ids.length === 0) continue;
      query = query.where('product_id', 'in', [...ids]);
    }
    for (const row of await query.execute()) {
      result.set(row.product_id, {
        productId: row.product_id,
        attributedFrom: row.attributed_from,
        lastCheckedAt: row.last_checked_at,
        lastStatus: row.last_status,
        inOutage: row.in_outage === 1,
      });
    }
  }
  return result;
}

/** Upserts cursors (one JSON parameter, as in `addRollupDeltas`). Idempotent. */
export async function saveRollupCursors(db: Kysely<DatabaseSchema>, cursors: readonly RollupCursor[]): Promise<void> {
  for (let i = 0; i < cursors.length; i += ROWS_PER_JSON_STATEMENT) {
    const rows = cursors
      .slice(i, i + ROWS_PER_JSON_STATEMENT)
      .map((c) => [c.productId, c.attributedFrom, c.lastCheckedAt, c.lastStatus, c.inOutage ? 1 : 0]);
    await sql`
      insert into rollup_cursor (product_id, attributed_from, last_checked_at, last_status, in_outage)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(${JSON.stringify(rows)}) where true
      on conflict (product_id) do update set
        attributed_from = excluded.attributed_from,
        last_checked_at = excluded.last_checked_at,
        last_status = excluded.last_status,
        in_outage = excluded.in_outage
    `.execute(db);
  }
}

/**
 * Raw checks with `from <= checked_at <= to` (both inclusive), ordered by
 * time then product. Reads a time slice of the primary key, so keep ranges
 * short; `productIds` filters without changing the cost much.
 */
export async function selectChecksInRange(
  db: Kysely<DatabaseSchema>,
  range: { from: number; to: number },
  productIds?: readonly number[],
): Promise<RawCheck[]> {
  let query = db
    .selectFrom('checks')
    .select(['product_id', 'checked_at', 'status'])
    .where('checked_at', '>=', range.from)
    .where('checked_at', '<=', range.to);
  if (productIds !== undefined) {
    if (productIds.length === 0) return [];
    if (productIds.length <= ROWS_PER_STATEMENT) query = query.where('product_id', 'in', [...productIds]);
  }
  const rows = await query.orderBy('checked_at').orderBy('product_id').execute();
  const wanted = productIds && productIds.length > ROWS_PER_STATEMENT ? new Set(productIds) : null;
  const result: RawCheck[] = [];
  for (const row of rows) {
    if (wanted && !wanted.has(row.product_id)) continue;
    result.push({ productId: row.product_id, at: row.checked_at, status: row.status });
  }
  return result;
}

const selectFoldState = preparedQuery((db, key: string) => db.selectFrom('meta').select('value').where('key', '=', key));
const upsertFoldState = preparedQuery((db, key: string, value: string) =>
  db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
);

/** The fold state from `meta`; epoch 0 and nothing folded when never written (or unreadable). Runs with every batch. */
export async function readFoldState(db: Kysely<DatabaseSchema>): Promise<RollupFoldState> {
  const [row] = await selectFoldState(db, FOLD_STATE_KEY);
  if (row !== undefined) {
    try {
      const parsed = JSON.parse(row.value) as Partial<RollupFoldState>;
      if (Number.isInteger(parsed.epoch)) {
        return {
          epoch: parsed.epoch as number,
          foldedThrough: Number.isInteger(parsed.foldedThrough) ? (parsed.foldedThrough as number) : null,
        };
      }
    } catch {
      // Unreadable: treated as never written, which only makes the next writer re-read more raw checks.
    }
  }
  return { epoch: 0, foldedThrough: null };
}

/** Runs with every batch. */
export async function writeFoldState(db: Kysely<DatabaseSchema>, state: RollupFoldState): Promise<void> {
  await upsertFoldState(db, FOLD_STATE_KEY, JSON.stringify(state));
}

/**
 * The earliest time a check not yet folded can have: `foldedThrough` less
 * UNFOLDED_SLACK_SECONDS; with no fold state (a database written before it
 * existed, where everything was folded at once), the newest of `folded`
 * (times known to be folded) less the slack; with neither, any time.
 */
export function unfoldedSince(foldedThrough: number | null, folded: Iterable<number | null>): number {
  let newest = foldedThrough;
  if (newest === null) for (const at of folded) if (at !== null) newest = Math.max(newest ?? at, at);
  return newest === null ? Number.MIN_SAFE_INTEGER : newest - UNFOLDED_SLACK_SECONDS;
}

/**
 * Raw checks the rollup tables do not contain yet: those after their
 * product's cursor (every check of a product without one), ordered by time
 * then product, from `unfoldedSince` on. `productIds` narrows the result.
 */
export async function selectUnfoldedChecks(
  db: Kysely<DatabaseSchema>,
  cursors: ReadonlyMap<number, RollupCursor>,
  foldedThrough: number | null,
  productIds?: readonly number[],
): Promise<RawCheck[]> {
  const from = unfoldedSince(
    foldedThrough,
    Array.from(cursors.values(), (cursor) => cursor.lastCheckedAt),
  );
  const checks = await selectChecksInRange(db, { from, to: Number.MAX_SAFE_INTEGER }, productIds);
  return checks.filter((check) => check.at > (cursors.get(check.productId)?.lastCheckedAt ?? Number.NEGATIVE_INFINITY));
}

/** Earliest and latest `checked_at` in `checks`, or null when empty. */
export async function checkTimeBounds(db: Kysely<DatabaseSchema>): Promise<{ first: number; last: number } | null> {
  const row = await db
    .selectFrom('checks')
    .select((eb) => [eb.fn.min('checked_at').as('first'), eb.fn.max('checked_at').as('last')])
    .executeTakeFirst();
  if (row?.first == null || row.last == null) return null;
  return { first: Number(row.first), last: Number(row.last) };
}

/** The coverage cap the rollups were built with, from `meta`; null if never recorded. */
export async function readCoverageCap(db: Kysely<DatabaseSchema>): Promise<number | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', COVERAGE_CAP_KEY).executeTakeFirst();
  const value = row === undefined ? Number.NaN : Number(row.value);
  return Number.isInteger(value) && value > 0 ? value : null;
}

/** Records the coverage cap in force. Idempotent. */
export async function writeCoverageCap(db: Kysely<DatabaseSchema>, capSeconds: number): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key: COVERAGE_CAP_KEY, value: String(capSeconds) })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ value: String(capSeconds) })
        .where('meta.value', '<>', String(capSeconds)),
    )
    .execute();
}

/** Deletes hourly buckets at or after `fromHour` (all when null) and every cursor. For rebuilds. */
export async function clearRollupsFrom(db: Kysely<DatabaseSchema>, fromHour: number | null): Promise<void> {
  let hourly = db.deleteFrom('rollup_hourly');
  if (fromHour !== null) hourly = hourly.where('hour_start', '>=', fromHour);
  await hourly.execute();
  await db.deleteFrom('rollup_cursor').execute();
}

/**
 * Recomputes daily buckets with `day_start >= fromDay` (all when null) as the
 * sum of their hours. `fromDay` must be a Malaysia midnight.
 */
export async function rebuildDailyFromHourly(db: Kysely<DatabaseSchema>, fromDay: number | null): Promise<void> {
  const since = fromDay ?? Number.MIN_SAFE_INTEGER;
  await db.deleteFrom('rollup_daily').where('day_start', '>=', since).execute();
  // Malaysia midnight of an hour: ((h + 8h) / 1 day) * 1 day - 8h, with SQLite's integer division (h > 0).
  await sql`
    insert into rollup_daily (product_id, day_start, healthy_checks, interruption_checks, unknown_checks, healthy_s, interruption_s)
    select product_id, ((hour_start + 28800) / 86400) * 86400 - 28800 as day,
           sum(healthy_checks), sum(interruption_checks), sum(unknown_checks), sum(healthy_s), sum(interruption_s)
    from rollup_hourly
    where hour_start >= ${since}
    group by product_id, day
  `.execute(db);
}
