import { type RawBuilder, sql } from 'kysely';

/**
 * `checks.http_status` as stored (see migrations/0001_core.ts): NULL for 200,
 * 0 for no response, else the status. Saves two of the ~25 bytes of a row.
 */
export function storedHttpStatus(httpStatus: number | null): number | null {
  if (httpStatus === 200) return null;
  return httpStatus ?? 0;
}

/** SQL turning a stored `http_status` column back into the status (null for no response), as `v_checks` does. */
export function httpStatusFromStored(column: string): RawBuilder<number | null> {
  return sql<number | null>`case ${sql.ref(column)} when 0 then null else coalesce(${sql.ref(column)}, 200) end`;
}
