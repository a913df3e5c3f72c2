import type { Kysely } from 'kysely';

/**
 * One row per running netwatch process that sends IIMMPACT requests (the
 * daemon, a `netwatch check`). Each takes an equal share of the request
 * budget, so together they never exceed `api.maxRequestsPerSecond`.
 * Times are epoch milliseconds: the leases live for seconds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('request_leases')
    .addColumn('holder', 'text', (c) => c.primaryKey())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('expires_at_ms', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('request_leases').ifExists().execute();
}
