import type { Kysely } from 'kysely';
import type { AlertPayload } from '../domain/alert-event.js';
import type { Selectable } from 'kysely';
import type { DatabaseSchema, OutboxTable } from './schema-types.js';

/** A channel and a route label; the label maps to a URL or address list in config, never stored. */
export interface Destination {
  channel: string;
  destination: string;
  /** Which products this destination takes; undefined means all. */
  accepts?: (productCode: string | null) => boolean;
}

export interface OutboxPayload {
  events: AlertPayload[];
  productCount: number;
}

export type OutboxRow = Pick<Selectable<OutboxTable>, 'idempotency_key' | 'channel' | 'destination' | 'payload' | 'attempts' | 'give_up_at'> & { id: number };

/**
 * Turns undispatched alert events into outbox rows, one message per
 * destination, once the oldest of them has waited `groupWaitSeconds`. Events
 * and the rows they become are handled in one transaction, so an event is
 * either still undispatched or fully queued. Idempotent.
 *
 * @returns the number of outbox rows created
 */
export async function dispatchDueEvents(
  db: Kysely<DatabaseSchema>,
  options: { now: number; groupWaitSeconds: number; retryForSeconds: number; destinations: readonly Destination[]; productCount: number },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const oldest = await trx
      .selectFrom('alert_events')
      .select((eb) => eb.fn.min('occurred_at').as('oldest'))
      .where('dispatched_at', 'is', null)
      .executeTakeFirst();
    if (oldest?.oldest == null || oldest.oldest > options.now - options.groupWaitSeconds) return 0;

    const events = await trx
      .selectFrom('alert_events')
      .select(['id', 'product_id', 'payload'])
      .where('dispatched_at', 'is', null)
      .orderBy('id')
      .execute();
    if (events.length === 0) return 0;
    const payloads = events.map((event) => JSON.parse(event.payload) as AlertPayload);
    const firstId = events[0]?.id as number;
    const lastId = events[events.length - 1]?.id as number;

    let created = 0;
    for (const target of options.destinations) {
      const accepted = payloads.filter((payload) => target.accepts?.('productCode' in payload ? payload.productCode : null) ?? true);
      if (accepted.length === 0) continue;
      const body: OutboxPayload = { events: accepted, productCount: options.productCount };
      await trx
        .insertInto('outbox')
        .values({
          idempotency_key: `events-${firstId}-${lastId}:${target.channel}:${target.destination}`,
          channel: target.channel,
          destination: target.destination,
          payload: JSON.stringify(body),
          created_at: options.now,
          next_attempt_at: options.now,
          give_up_at: options.now + options.retryForSeconds,
        })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
      created += 1;
    }
    await trx
      .updateTable('alert_events')
      .set({ dispatched_at: options.now })
      .where('dispatched_at', 'is', null)
      .where('id', '<=', lastId)
      .execute();
    return created;
  });
}

/** Pending rows due at `now`, oldest first. */
export async function selectDueOutboxRows(db: Kysely<DatabaseSchema>, now: number, limit = 100): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'idempotency_key', 'channel', 'destination', 'payload', 'attempts', 'give_up_at'])
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Epoch seconds of the next pending attempt, or null when nothing is pending. */
export async function nextOutboxAttemptAt(db: Kysely<DatabaseSchema>): Promise<number | null> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return row?.next ?? null;
}

export async function countPendingOutbox(db: Kysely<DatabaseSchema>): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Records the provider's acknowledgement; the row is never sent again. */
export async function markOutboxSent(db: Kysely<DatabaseSchema>, id: number, now: number): Promise<void> {
  await db.updateTable('outbox').set((eb) => ({ state: 'sent', sent_at: now, attempts: eb('attempts', '+', 1), last_error: null })).where('id', '=', id).execute();
}

export async function markOutboxRetry(db: Kysely<DatabaseSchema>, id: number, nextAttemptAt: number, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) }))
    .where('id', '=', id)
    .execute();
}

export async function markOutboxFailed(db: Kysely<DatabaseSchema>, id: number, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({ state: 'failed', attempts: eb('attempts', '+', 1), last_error: error.slice(0, 500) }))
    .where('id', '=', id)
    .execute();
}
