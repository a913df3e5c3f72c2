import { type Kysely, sql } from 'kysely';

/**
 * Alerting: silences. A silence covers product codes matching `pattern` (a
 * code or a glob such as `ASTRO*` or `*`) from `created_at` until `ends_at`
 * (epoch seconds). Removing a silence moves `ends_at` to the removal time and
 * keeps the row, so "was this alert silenced, and by whom/why" stays
 * answerable. `end_handled_at` records that the daemon has sent the one alert
 * owed for products still in Interruption when the silence ended.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('silences')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('pattern', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('ends_at', 'integer', (c) => c.notNull())
    .addColumn('removed_at', 'integer')
    .addColumn('end_handled_at', 'integer')
    .execute();
  await db.schema.createIndex('silences_ends_at').on('silences').column('ends_at').execute();
  await db.schema
    .createIndex('silences_end_unhandled')
    .on('silences')
    .column('ends_at')
    .where(sql.ref('end_handled_at'), 'is', null)
    .execute();
  // Lets dispatch find an outage's earlier events (was it ever notified?) without a scan.
  await db.schema.createIndex('alert_events_outage').on('alert_events').column('outage_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('alert_events_outage').ifExists().execute();
  await db.schema.dropTable('silences').ifExists().execute();
}
