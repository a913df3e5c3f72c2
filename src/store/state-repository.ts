import type { Kysely, Selectable } from 'kysely';
import type { ProductState } from '../domain/product-state.js';
import { type KnownStatus, STATUS_CODE, statusFromCode } from '../domain/status.js';
import type { DatabaseSchema, ProductStateTable } from './schema-types.js';

/** Loads every product's persisted state machine memory, keyed by product id. */
export async function loadProductStates(db: Kysely<DatabaseSchema>): Promise<Map<number, ProductState>> {
  const rows = await db.selectFrom('product_state').selectAll().execute();
  return new Map(rows.map((row) => [row.product_id, productStateFromRow(row)]));
}

export function productStateFromRow(row: Selectable<ProductStateTable>): ProductState {
  return {
    confirmed: row.confirmed === null ? null : (statusFromCode(row.confirmed) as KnownStatus),
    confirmedSince: row.confirmed_since,
    streak:
      row.streak_status === null || row.streak_started_at === null
        ? null
        : { status: statusFromCode(row.streak_status) as KnownStatus, count: row.streak_count, startedAt: row.streak_started_at },
    unknownSince: row.unknown_since,
  };
}

export function productStateColumns(state: ProductState) {
  return {
    confirmed: state.confirmed === null ? null : STATUS_CODE[state.confirmed],
    confirmed_since: state.confirmedSince,
    streak_status: state.streak ? STATUS_CODE[state.streak.status] : null,
    streak_count: state.streak?.count ?? 0,
    streak_started_at: state.streak?.startedAt ?? null,
    unknown_since: state.unknownSince,
  };
}
