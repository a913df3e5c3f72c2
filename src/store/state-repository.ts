import { type Kysely, type Selectable, sql } from 'kysely';
import type { ProductState } from '../domain/product-state.js';
import { type KnownStatus, STATUS_CODE, statusFromCode } from '../domain/status.js';
import { httpStatusFromStored } from './http-status-column.js';
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

/**
 * Sets each product's last-check columns (`last_checked_at`, `last_status`,
 * `last_http_status`, `last_error_id`) from its stored check at `checkedAt`,
 * unless the row already holds that check or a later one. For the rollup
 * maintainer, which writes them behind the checks. Idempotent.
 */
export async function writeLastChecks(
  db: Kysely<DatabaseSchema>,
  latest: readonly { productId: number; checkedAt: number }[],
): Promise<void> {
  for (let i = 0; i < latest.length; i += 5000) {
    const pairs = latest.slice(i, i + 5000).map((l) => [l.productId, l.checkedAt]);
    await sql`
      update product_state set
        last_checked_at = c.checked_at,
        last_status = c.status,
        last_http_status = ${httpStatusFromStored('c.http_status')},
        last_error_id = c.error_id
      from json_each(${JSON.stringify(pairs)}) as w
      join checks as c on c.checked_at = w.value ->> 1 and c.product_id = w.value ->> 0
      where product_state.product_id = w.value ->> 0
        and (product_state.last_checked_at is null or product_state.last_checked_at < c.checked_at)
    `.execute(db);
  }
}
