import { type Kysely, sql } from 'kysely';

/**
 * Long-term history: hourly and daily rollups per product, kept forever, so a
 * report over years reads a few rows per product-day instead of raw checks
 * (which are pruned after `retention.checksDays`).
 *
 * Bucket keys are integer epoch seconds: `hour_start` is a UTC hour (also a
 * Malaysia hour, as GMT+8 has no half hours); `day_start` is Malaysia
 * midnight (16:00 UTC of the previous UTC day).
 *
 * Per bucket:
 * - `healthy_checks`, `interruption_checks`, `unknown_checks`: checks whose
 *   `checked_at` falls in the bucket, by observed status;
 * - `interruption_s`: seconds inside a confirmed outage;
 * - `healthy_s`: seconds outside outages that are covered by a check with a
 *   known status (Healthy or Interruption). A check covers the time from its
 *   `checked_at` to the next check of the product, but at most the coverage
 *   cap (stored in `meta` as `history.coverage_cap_seconds`);
 * - everything else is unmonitored and not stored: Unknown checks, gaps
 *   longer than the cap, time before the first check.
 *
 * `rollup_cursor` remembers, per product, the last check folded into the
 * rollups; time after it is attributed when the next check lands. Checks
 * after a cursor may not be folded yet (see src/report/rollup-maintainer.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, key] of [
    ['rollup_hourly', 'hour_start'],
    ['rollup_daily', 'day_start'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('product_id', 'integer', (c) => c.notNull())
      .addColumn(key, 'integer', (c) => c.notNull())
      .addColumn('healthy_checks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('interruption_checks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('unknown_checks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('healthy_s', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('interruption_s', 'integer', (c) => c.notNull().defaultTo(0))
      // (product_id, start) serves both "one product over a range" and, with
      // `product_id in (...)`, "every product over a range" as index seeks.
      .addPrimaryKeyConstraint(`${table}_pk`, ['product_id', key])
      .modifyEnd(sql`without rowid`)
      .execute();
  }

  await db.schema
    .createTable('rollup_cursor')
    .addColumn('product_id', 'integer', (c) => c.primaryKey())
    // First second attributed to the rollups for this product.
    .addColumn('attributed_from', 'integer', (c) => c.notNull())
    // The last check folded in; seconds after it are not attributed yet.
    .addColumn('last_checked_at', 'integer', (c) => c.notNull())
    .addColumn('last_status', 'integer', (c) => c.notNull())
    // 1 when an outage was open as of `last_checked_at`.
    .addColumn('in_outage', 'integer', (c) => c.notNull())
    .execute();

  // Finds outages that started before a report window but end inside it
  // without scanning every older outage.
  await db.schema.createIndex('outages_ended').on('outages').column('ended_at').execute();

  await sql`
    create view v_uptime_daily as
    select p.code as product_code,
           date(d.day_start + 28800, 'unixepoch') as day,
           d.healthy_s,
           d.interruption_s,
           max(0, min(d.day_start + 86400, cast(strftime('%s', 'now') as integer)) - d.day_start - d.healthy_s - d.interruption_s) as unknown_s,
           case when d.healthy_s + d.interruption_s > 0
                then round(100.0 * d.healthy_s / (d.healthy_s + d.interruption_s), 4)
           end as uptime_pct
    from rollup_daily d
    join products p on p.id = d.product_id
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop view if exists v_uptime_daily`.execute(db);
  await db.schema.dropIndex('outages_ended').ifExists().execute();
  for (const table of ['rollup_cursor', 'rollup_daily', 'rollup_hourly']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
