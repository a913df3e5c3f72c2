import { type Kysely, sql } from 'kysely';
import { type CheckStatus, type KnownStatus, statusFromCode } from '../domain/status.js';
import { httpStatusFromStored } from './http-status-column.js';
import { readFoldState, unfoldedSince } from './rollup-repository.js';
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
  const newer = await newerChecks(db, rows);
  return rows.map((row) => ({
    code: row.code,
    name: row.name,
    img: row.img,
    state: row.confirmed === null ? null : (statusFromCode(row.confirmed) as KnownStatus),
    since: row.confirmed_since,
    unknownSince: row.unknown_since,
    ...lastCheck(row, newer.get(row.code)),
  }));
}

interface LatestCheck {
  code: string;
  checked_at: number;
  status: number;
  http_status: number | null;
  error: string | null;
}

/** The row's last check, or a newer stored one: the last-check columns are written behind the checks. */
function lastCheck(
  row: { last_checked_at: number | null; last_status: number | null; last_http_status: number | null; last_error: string | null },
  newer: LatestCheck | undefined,
): Pick<ProductStatusRow, 'lastCheckedAt' | 'lastStatus' | 'lastHttpStatus' | 'lastError'> {
  if (newer !== undefined && (row.last_checked_at === null || newer.checked_at > row.last_checked_at)) {
    return {
      lastCheckedAt: newer.checked_at,
      lastStatus: statusFromCode(newer.status),
      lastHttpStatus: newer.http_status,
      lastError: newer.error,
    };
  }
  return {
    lastCheckedAt: row.last_checked_at,
    lastStatus: row.last_status === null ? null : statusFromCode(row.last_status),
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
  };
}

/**
 * Each product's latest check among those its state row may not hold yet.
 * The rollup maintainer writes a product's last-check columns with its
 * rollups, so a newer check is one not folded yet, and those all lie after
 * `unfoldedSince` (the rows' own checks are folded). One pass over a short
 * time slice of `checks`; SQLite takes the bare columns from the row with
 * the max.
 */
async function newerChecks(
  db: Kysely<DatabaseSchema>,
  rows: readonly { last_checked_at: number | null }[],
): Promise<Map<string, LatestCheck>> {
  const from = unfoldedSince(
    (await readFoldState(db)).foldedThrough,
    rows.map((row) => row.last_checked_at),
  );
  const latest = await sql<LatestCheck>`
    select p.code, max(c.checked_at) as checked_at, c.status,
           ${httpStatusFromStored('c.http_status')} as http_status,
           e.text as error
    from checks c
    join products p on p.id = c.product_id
    left join error_texts e on e.id = c.error_id
    where c.checked_at > ${from}
    group by c.product_id
  `.execute(db);
  return new Map(latest.rows.map((check) => [check.code, check]));
}
