import type { Kysely } from 'kysely';
import { statusFromCode, type CheckStatus, type KnownStatus } from '../domain/status.js';
import type { DatabaseSchema } from './schema-types.js';

/** One product's current picture, as `netwatch status` and the HTTP API show it. Times are epoch seconds. */
export interface ProductStatusRow {
  code: string;
  name: string | null;
  img: string | null;
  /** Confirmed state; null before the first confirmation. */
  state: KnownStatus | null;
  since: number | null;
  lastCheckedAt: number | null;
  lastStatus: CheckStatus | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  /** Start of the current run of Unknown checks, if any. */
  unknownSince: number | null;
}

/** Every product that has state, ordered by code. `codes` narrows the list. */
export async function queryProductStatus(db: Kysely<DatabaseSchema>, codes?: readonly string[]): Promise<ProductStatusRow[]> {
  let query = db
    .selectFrom('products as p')
    .innerJoin('product_state as s', 's.product_id', 'p.id')
    .leftJoin('error_texts as e', 'e.id', 's.last_error_id')
    .select([
      'p.code',
      'p.name',
      'p.img',
      's.confirmed',
      's.confirmed_since',
      's.last_checked_at',
      's.last_status',
      's.last_http_status',
      's.unknown_since',
      'e.text as last_error',
    ])
    .orderBy('p.code');
  if (codes && codes.length > 0) query = query.where('p.code', 'in', [...codes]);
  const rows = await query.execute();
  return rows.map((row) => ({
    code: row.code,
    name: row.name,
    img: row.img,
    state: row.confirmed === null ? null : (statusFromCode(row.confirmed) as KnownStatus),
    since: row.confirmed_since,
    lastCheckedAt: row.last_checked_at,
    lastStatus: row.last_status === null ? null : statusFromCode(row.last_status),
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
    unknownSince: row.unknown_since,
  }));
}
