import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DatabaseSchema } from './schema-types.js';

/** An outage row as reports need it. Times are epoch seconds. */
export interface OutageRow {
  productId: number;
  startedAt: number;
  confirmedAt: number;
  endedAt: number | null;
  recoveryConfirmedAt: number | null;
}

/**
 * Outages overlapping `[from, to)`: started before `to` and not ended by
 * `from` (open outages count as ongoing). Ordered by product, then start.
 * Three index-backed queries rather than one OR, so a short window over years
 * of history reads only the outages near it.
 *
 * @param productIds narrows to these products; undefined means all
 */
export async function selectOutagesOverlapping(
  db: Kysely<DatabaseSchema>,
  window: { from: number; to: number },
  productIds?: readonly number[],
): Promise<OutageRow[]> {
  if (productIds !== undefined && productIds.length === 0) return [];
  const base = () => {
    let query = db.selectFrom('outages').select(['product_id', 'started_at', 'confirmed_at', 'ended_at', 'recovery_confirmed_at']);
    if (productIds !== undefined) query = query.where('product_id', 'in', [...productIds]);
    return query;
  };
  const parts = await Promise.all([
    // Started inside the window (index outages_started, or outages_product_started per product).
    base().where('started_at', '>=', window.from).where('started_at', '<', window.to).execute(),
    // Started before it and ended inside or after it (index outages_ended).
    base().where('ended_at', '>', window.from).where('started_at', '<', window.from).execute(),
    // Started before it and still open (the one-open-per-product partial index).
    base().where('ended_at', 'is', null).where('started_at', '<', window.from).execute(),
  ]);
  return parts
    .flat()
    .map((row) => ({
      productId: row.product_id,
      startedAt: row.started_at,
      confirmedAt: row.confirmed_at,
      endedAt: row.ended_at,
      recoveryConfirmedAt: row.recovery_confirmed_at,
    }))
    .sort((a, b) => a.productId - b.productId || a.startedAt - b.startedAt);
}

/** Per-product outage figures for a window, every duration clipped to it. */
export interface OutageWindowSums {
  outages: number;
  downtimeS: number;
  longestOutageS: number;
  /** Outages that ended inside the window (at or before its end). */
  recoveredOutages: number;
  recoveredS: number;
  lastOutageStartedAt: number;
}

/**
 * The outage side of a report, aggregated in SQL (a year of outages for 200
 * products is ~16k rows; summing them in SQLite is ~20x faster than
 * returning them). Same rules as `summarizeOutages` in `src/report/uptime.ts`:
 * each outage is clipped to `[from, to)`, an open one runs until `now`.
 * Products without outages in the window are absent from the map.
 */
export async function sumOutagesInWindow(
  db: Kysely<DatabaseSchema>,
  window: { from: number; to: number },
  now: number,
  productIds?: readonly number[],
): Promise<Map<number, OutageWindowSums>> {
  const result = new Map<number, OutageWindowSums>();
  if (productIds !== undefined && productIds.length === 0) return result;
  const { from, to } = window;
  const narrow: RawBuilder<unknown> = productIds === undefined ? sql`` : sql`and product_id in (${sql.join(productIds)})`;
  const part = (where: RawBuilder<unknown>) => sql`
    select product_id, started_at, ended_at, min(coalesce(ended_at, ${now}), ${to}) - max(started_at, ${from}) as d
    from outages where ${where} ${narrow}`;
  const rows = await sql<{
    product_id: number;
    n: number;
    down: number;
    longest: number;
    recovered: number;
    recovered_s: number;
    last_start: number;
  }>`
    select product_id, count(*) as n, sum(d) as down, max(d) as longest,
           sum(case when ended_at is not null and ended_at <= ${to} then 1 else 0 end) as recovered,
           sum(case when ended_at is not null and ended_at <= ${to} then d else 0 end) as recovered_s,
           max(started_at) as last_start
    from (
      ${part(sql`started_at >= ${from} and started_at < ${to}`)}
      union all
      ${part(sql`ended_at > ${from} and started_at < ${from}`)}
      union all
      ${part(sql`ended_at is null and started_at < ${from}`)}
    )
    where d > 0
    group by product_id
  `.execute(db);
  for (const row of rows.rows) {
    result.set(row.product_id, {
      outages: row.n,
      downtimeS: row.down,
      longestOutageS: row.longest,
      recoveredOutages: row.recovered,
      recoveredS: row.recovered_s,
      lastOutageStartedAt: row.last_start,
    });
  }
  return result;
}
