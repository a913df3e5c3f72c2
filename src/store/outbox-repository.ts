import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AlertPayload } from '../domain/alert-event.js';
import type { DatabaseSchema, OutboxTable, SilencesTable } from './schema-types.js';

/**
 * The durable outbox. Alert events become outbox rows (one per message per
 * destination) in `dispatchDueEvents`; the worker claims a row, sends it and
 * records the outcome. Times are epoch seconds.
 *
 * Delivery is at least once: a row is marked sent only after the provider
 * acknowledged it, and a sent row is never selected again. A crash between
 * the acknowledgement and `markOutboxSent` is the only way a message can go
 * out twice.
 */

/** A channel and a route label; the label maps to a URL or address list in config, never stored. */
export interface Destination {
  channel: string;
  destination: string;
  /** Whether this destination takes the event; undefined means all. */
  accepts?: (event: AlertPayload) => boolean;
}

export interface OutboxPayload {
  events: AlertPayload[];
  productCount: number;
  /** The alert_events rows this message carries, for tracing. */
  eventIds?: number[];
}

export type OutboxRow = Pick<
  Selectable<OutboxTable>,
  'idempotency_key' | 'channel' | 'destination' | 'payload' | 'attempts' | 'give_up_at' | 'next_attempt_at'
> & {
  id: number;
};

export interface DispatchOptions {
  now: number;
  groupWaitSeconds: number;
  retryForSeconds: number;
  destinations: readonly Destination[];
  productCount: number;
  /** Product-code glob matching used for silences (`*`, `?`, case-insensitive). */
  matchesPattern: (pattern: string, code: string) => boolean;
}

export interface DispatchResult {
  /** Outbox rows created. */
  queued: number;
  /** Events recorded but not sent (silenced). */
  suppressed: number;
  /** Events marked dispatched. */
  events: number;
}

const PRODUCT_KINDS = new Set(['interruption', 'recovery', 'reminder']);
const NOTIFYING_KINDS = ['interruption', 'reminder'] as const;

/**
 * Turns undispatched alert events into outbox rows, one message per
 * destination, once the oldest of them has waited `groupWaitSeconds`. In the
 * same transaction it applies silences: a product event that occurred while
 * a matching silence was active is marked `suppressed` and not queued, and so
 * is the recovery of an outage nobody was ever told about. Events and the
 * rows they become commit together, so an event is either still undispatched
 * or fully queued. Idempotent (rows have unique idempotency keys). Throws on DB errors.
 */
export async function dispatchDueEvents(db: Kysely<DatabaseSchema>, options: DispatchOptions): Promise<DispatchResult> {
  return db.transaction().execute(async (trx) => {
    const oldest = await trx
      .selectFrom('alert_events')
      .select((eb) => eb.fn.min('occurred_at').as('oldest'))
      .where('dispatched_at', 'is', null)
      .executeTakeFirst();
    const none: DispatchResult = { queued: 0, suppressed: 0, events: 0 };
    if (oldest?.oldest == null || oldest.oldest > options.now - options.groupWaitSeconds) return none;

    const rows = await trx
      .selectFrom('alert_events')
      .select(['id', 'outage_id', 'occurred_at', 'payload'])
      .where('dispatched_at', 'is', null)
      .orderBy('id')
      .execute();
    if (rows.length === 0) return none;
    const silences = await silencesOverlapping(trx, oldest.oldest);

    const sendable: Array<{ id: number; payload: AlertPayload }> = [];
    const notifiedInBatch = new Set<number>();
    let suppressed = 0;
    for (const row of rows) {
      const payload = JSON.parse(row.payload) as AlertPayload;
      const reason = await suppressionReason(trx, row, payload, silences, notifiedInBatch, options.matchesPattern);
      if (reason !== null) {
        await trx.updateTable('alert_events').set({ suppressed: reason, dispatched_at: options.now }).where('id', '=', row.id).execute();
        suppressed += 1;
        continue;
      }
      if (row.outage_id !== null && (NOTIFYING_KINDS as readonly string[]).includes(payload.kind)) notifiedInBatch.add(row.outage_id);
      sendable.push({ id: row.id, payload });
    }

    const firstId = rows[0]?.id as number;
    const lastId = rows[rows.length - 1]?.id as number;
    let queued = 0;
    for (const target of options.destinations) {
      const accepted = sendable.filter((event) => target.accepts?.(event.payload) ?? true);
      if (accepted.length === 0) continue;
      const body: OutboxPayload = {
        events: accepted.map((event) => event.payload),
        productCount: options.productCount,
        eventIds: accepted.map((event) => event.id),
      };
      const result = await trx
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
        .executeTakeFirst();
      queued += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    await trx
      .updateTable('alert_events')
      .set({ dispatched_at: options.now })
      .where('dispatched_at', 'is', null)
      .where('id', '<=', lastId)
      .execute();
    return { queued, suppressed, events: rows.length };
  });
}

type SilenceWindow = Pick<Selectable<SilencesTable>, 'id' | 'pattern' | 'reason' | 'created_at' | 'ends_at'>;

async function silencesOverlapping(trx: Transaction<DatabaseSchema>, from: number): Promise<SilenceWindow[]> {
  return trx
    .selectFrom('silences')
    .select(['id', 'pattern', 'reason', 'created_at', 'ends_at'])
    .where('ends_at', '>', from)
    .orderBy('id')
    .execute();
}

/** The silence covering `code` at `at`, if any (start inclusive, end exclusive). Pure. */
export function silenceAt<S extends { pattern: string; created_at: number; ends_at: number }>(
  silences: readonly S[],
  code: string,
  at: number,
  matches: (pattern: string, code: string) => boolean,
): S | null {
  return silences.find((silence) => silence.created_at <= at && at < silence.ends_at && matches(silence.pattern, code)) ?? null;
}

async function suppressionReason(
  trx: Transaction<DatabaseSchema>,
  row: { id: number; outage_id: number | null; occurred_at: number },
  payload: AlertPayload,
  silences: readonly SilenceWindow[],
  notifiedInBatch: ReadonlySet<number>,
  matches: (pattern: string, code: string) => boolean,
): Promise<string | null> {
  if (!PRODUCT_KINDS.has(payload.kind) || !('productCode' in payload) || !payload.productCode) return null;
  const silence = silenceAt(silences, payload.productCode, row.occurred_at, matches);
  if (silence) return `silence #${silence.id}${silence.reason ? `: ${silence.reason}` : ''}`.slice(0, 300);
  if (payload.kind !== 'recovery' || row.outage_id === null || notifiedInBatch.has(row.outage_id)) return null;
  // A recovery of an outage nobody was told about (its alerts were silenced) would only confuse.
  const notified = await trx
    .selectFrom('alert_events')
    .select('id')
    .where('outage_id', '=', row.outage_id)
    .where('kind', 'in', NOTIFYING_KINDS)
    .where('dispatched_at', 'is not', null)
    .where('suppressed', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return notified ? null : 'outage was never notified (silenced)';
}

/**
 * The oldest pending row of one lane (channel + destination), whether due or
 * not. Rows of a lane are delivered strictly in order, so a recovery can never
 * overtake the interruption it ends.
 */
export async function selectLaneHead(db: Kysely<DatabaseSchema>, channel: string, destination: string): Promise<OutboxRow | null> {
  const row = await db
    .selectFrom('outbox')
    .select(['id', 'idempotency_key', 'channel', 'destination', 'payload', 'attempts', 'give_up_at', 'next_attempt_at'])
    .where('state', '=', 'pending')
    .where('channel', '=', channel)
    .where('destination', '=', destination)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

export interface LaneHead {
  channel: string;
  destination: string;
  nextAttemptAt: number;
}

/** Every lane with pending rows and when its head is next due. */
export async function selectLaneHeads(db: Kysely<DatabaseSchema>): Promise<LaneHead[]> {
  const rows = await db
    .selectFrom('outbox as o')
    .select(['o.channel', 'o.destination', 'o.next_attempt_at'])
    .where('o.state', '=', 'pending')
    .where((eb) =>
      eb(
        'o.id',
        '=',
        eb
          .selectFrom('outbox as i')
          .select((inner) => inner.fn.min('i.id').as('head'))
          .where('i.state', '=', 'pending')
          .whereRef('i.channel', '=', 'o.channel')
          .whereRef('i.destination', '=', 'o.destination'),
      ),
    )
    .execute();
  return rows.map((row) => ({ channel: row.channel, destination: row.destination, nextAttemptAt: row.next_attempt_at }));
}

/**
 * Claims a due pending row for one send: pushes `next_attempt_at` to
 * `leaseUntil` and counts the attempt. Only one claimer can win (SQLite
 * serialises writers), so `netwatch check` running beside the daemon never
 * sends the same row twice; if the claimer dies mid-send, the row is due
 * again when the lease ends. Returns false when someone else has it or it is not due.
 */
export async function claimOutboxRow(db: Kysely<DatabaseSchema>, id: number, now: number, leaseUntil: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set((eb) => ({ next_attempt_at: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Epoch seconds at which the next lane head is due, or null when nothing is pending. */
export async function nextOutboxAttemptAt(db: Kysely<DatabaseSchema>): Promise<number | null> {
  const heads = await selectLaneHeads(db);
  return heads.length === 0 ? null : Math.min(...heads.map((head) => head.nextAttemptAt));
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
  await db.updateTable('outbox').set({ state: 'sent', sent_at: now, last_error: null }).where('id', '=', id).execute();
}

/** Schedules another attempt. `error` must be secret-free; it is stored. */
export async function markOutboxRetry(db: Kysely<DatabaseSchema>, id: number, nextAttemptAt: number, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: nextAttemptAt, last_error: error.slice(0, 500) })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** Gives up on a row for good. `error` must be secret-free; it is stored. */
export async function markOutboxFailed(db: Kysely<DatabaseSchema>, id: number, error: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ state: 'failed', last_error: error.slice(0, 500) })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}
