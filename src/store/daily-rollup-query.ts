import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema-types.js';

/** One product-day of `rollup_daily`, as the status page's day bars read it. Seconds; `dayStart` a Malaysia midnight. */
export interface DailyRollupRow {
  productCode: string;
  dayStart: number;
  healthyS: number;
  interruptionS: number;
}

/**
 * Daily rollup rows with `from <= day_start < to` for the given product codes
 * (all products when omitted), ordered by code then day. Read-only; the same
 * rows `v_uptime_daily` shows.
 */
export async function selectDailyRollups(
  db: Kysely<DatabaseSchema>,
  range: { from: number; to: number },
  codes?: readonly string[],
): Promise<DailyRollupRow[]> {
  if (codes !== undefined && codes.length === 0) return [];
  let query = db
    .selectFrom('rollup_daily as d')
    .innerJoin('products as p', 'p.id', 'd.product_id')
    .select(['p.code', 'd.day_start', 'd.healthy_s', 'd.interruption_s'])
    .where('d.day_start', '>=', range.from)
    .where('d.day_start', '<', range.to)
    .orderBy('p.code')
    .orderBy('d.day_start');
  if (codes !== undefined && codes.length <= 500) query = query.where('p.code', 'in', [...codes]);
  const wanted = codes !== undefined && codes.length > 500 ? new Set(codes) : null;
  const rows = await query.execute();
  return rows
    .filter((row) => wanted === null || wanted.has(row.code))
    .map((row) => ({ productCode: row.code, dayStart: row.day_start, healthyS: row.healthy_s, interruptionS: row.interruption_s }));
}
