import { type Kysely, sql } from 'kysely';

/**
 * Core schema. Times are integer epoch seconds (UTC); statuses are integers
 * (0 Unknown, 1 Healthy, 2 Interruption). `checks` is a WITHOUT ROWID table
 * keyed by (checked_at, product_id): inserts append in time order, so pages
 * stay full and no separate index is needed (about 23 bytes per check,
 * measured by `npm run bench`).
 *
 * `checks.http_status` is stored compactly and read through `v_checks`:
 * NULL means HTTP 200 (nearly every row, and a NULL takes no bytes where 200
 * takes two), 0 means no HTTP response arrived (timeout, network error), any
 * other value is that status. `v_checks` turns it back into the plain status
 * (200, or NULL for no response).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('products')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('img', 'text')
    .addColumn('first_seen_at', 'integer', (c) => c.notNull())
    .execute();

  // Error texts repeat endlessly ("timeout after 10000 ms"); store each once.
  await db.schema
    .createTable('error_texts')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable('checks')
    .addColumn('checked_at', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error_id', 'integer')
    .addColumn('source_updated_at', 'integer')
    .addPrimaryKeyConstraint('checks_pk', ['checked_at', 'product_id'])
    .modifyEnd(sql`without rowid`)
    .execute();

  // One row per product: the state machine's memory, so a restart resumes exactly.
  await db.schema
    .createTable('product_state')
    .addColumn('product_id', 'integer', (c) => c.primaryKey())
    .addColumn('confirmed', 'integer')
    .addColumn('confirmed_since', 'integer')
    .addColumn('streak_status', 'integer')
    .addColumn('streak_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('streak_started_at', 'integer')
    .addColumn('unknown_since', 'integer')
    .addColumn('last_checked_at', 'integer')
    .addColumn('last_status', 'integer')
    .addColumn('last_http_status', 'integer')
    .addColumn('last_error_id', 'integer')
    .addColumn('last_reminder_at', 'integer')
    .execute();

  await db.schema
    .createTable('outages')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('product_id', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'integer', (c) => c.notNull())
    .addColumn('confirmed_at', 'integer', (c) => c.notNull())
    .addColumn('ended_at', 'integer')
    .addColumn('recovery_confirmed_at', 'integer')
    .execute();
  await db.schema.createIndex('outages_product_started').on('outages').columns(['product_id', 'started_at']).execute();
  await db.schema.createIndex('outages_started').on('outages').column('started_at').execute();
  // At most one open outage per product, enforced by the database itself.
  await db.schema
    .createIndex('outages_one_open_per_product')
    .on('outages')
    .column('product_id')
    .unique()
    .where(sql.ref('ended_at'), 'is', null)
    .execute();

  // Durable facts that something worth telling people happened.
  await db.schema
    .createTable('alert_events')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('product_id', 'integer')
    .addColumn('outage_id', 'integer')
    .addColumn('occurred_at', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('dispatched_at', 'integer')
    .addColumn('suppressed', 'text')
    .execute();
  await db.schema
    .createIndex('alert_events_undispatched')
    .on('alert_events')
    .column('occurred_at')
    .where(sql.ref('dispatched_at'), 'is', null)
    .execute();

  // One row per message per destination; delivered at least once, never re-sent once acknowledged.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'integer', (c) => c.notNull())
    .addColumn('give_up_at', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'integer')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_pending').on('outbox').column('next_attempt_at').where(sql.ref('state'), '=', 'pending').execute();

  // Small key/value facts that must survive restarts (e.g. operator-alert state, last product-list refresh).
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await sql`
    create view v_checks as
    select p.code as product_code,
           p.name as product_name,
           strftime('%Y-%m-%dT%H:%M:%SZ', c.checked_at, 'unixepoch') as checked_at,
           case c.status when 1 then 'Healthy' when 2 then 'Interruption' else 'Unknown' end as status,
           c.latency_ms,
           case c.http_status when 0 then null else coalesce(c.http_status, 200) end as http_status,
           e.text as error,
           strftime('%Y-%m-%dT%H:%M:%SZ', c.source_updated_at, 'unixepoch') as source_updated_at
    from checks c
    join products p on p.id = c.product_id
    left join error_texts e on e.id = c.error_id
  `.execute(db);

  await sql`
    create view v_outages as
    select p.code as product_code,
           p.name as product_name,
           strftime('%Y-%m-%dT%H:%M:%SZ', o.started_at, 'unixepoch') as started_at,
           strftime('%Y-%m-%dT%H:%M:%SZ', o.ended_at, 'unixepoch') as ended_at,
           coalesce(o.ended_at, cast(strftime('%s', 'now') as integer)) - o.started_at as duration_s
    from outages o
    join products p on p.id = o.product_id
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop view if exists v_outages`.execute(db);
  await sql`drop view if exists v_checks`.execute(db);
  for (const table of ['meta', 'outbox', 'alert_events', 'outages', 'product_state', 'checks', 'error_texts', 'products']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
