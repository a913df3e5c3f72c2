import type { Kysely } from 'kysely';
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
