import type { Kysely, Transaction } from 'kysely';
import type { ProductAlertPayload } from '../domain/alert-event.js';
import type { Observation } from '../domain/observation.js';
import type { ProductState } from '../domain/product-state.js';
import { STATUS_CODE } from '../domain/status.js';
import type { TransitionEvent } from '../domain/transition.js';
import type { DatabaseSchema } from './schema-types.js';
import { productStateColumns } from './state-repository.js';

/** One observed check and what the state machine made of it. */
export interface RecordedCheck {
  productId: number;
  observation: Observation;
  next: ProductState;
  events: readonly TransitionEvent[];
  /** Set only when the API reported a name or image different from the stored one. */
  productInfo?: { name: string | null; img: string | null };
}

/**
 * Extra writes that must commit atomically with a batch (rollups, reminders, operator alerts).
 * An extension that inserts alert events returns how many, so the outbox is woken after the commit.
 */
export type BatchExtension = (trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[]) => Promise<void | number>;

export interface BatchResult {
  /** Alert events inserted; the caller wakes the outbox after this resolves. */
  alertEvents: number;
}

const ROWS_PER_INSERT = 500;

/**
 * Writes a batch of checks in ONE transaction: check rows, product state,
 * product names, outages and alert events. Either everything commits or
 * nothing does, so a confirmed transition and its alert are never split.
 * Throws on DB errors (the caller keeps the batch and retries).
 */
export async function writeCheckBatch(
  db: Kysely<DatabaseSchema>,
  batch: readonly RecordedCheck[],
  extensions: readonly BatchExtension[] = [],
): Promise<BatchResult> {
  if (batch.length === 0) return { alertEvents: 0 };
  return db.transaction().execute(async (trx) => {
    const errorIds = await internErrorTexts(trx, batch);
    await updateProductInfo(trx, batch);

    for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
      const rows = batch.slice(i, i + ROWS_PER_INSERT).map(({ productId, observation: o }) => ({
        checked_at: o.checkedAt,
        product_id: productId,
        status: STATUS_CODE[o.status],
        latency_ms: Math.max(0, Math.round(o.latencyMs)),
        http_status: o.httpStatus,
        error_id: o.error === null ? null : (errorIds.get(o.error) ?? null),
        source_updated_at: o.sourceUpdatedAt,
      }));
      // A same-second duplicate (e.g. `netwatch check` racing the daemon) keeps the first row.
      await trx.insertInto('checks').values(rows).onConflict((oc) => oc.columns(['checked_at', 'product_id']).doNothing()).execute();

      const states = batch.slice(i, i + ROWS_PER_INSERT).map(({ productId, observation: o, next }) => ({
        product_id: productId,
        ...productStateColumns(next),
        last_checked_at: o.checkedAt,
        last_status: STATUS_CODE[o.status],
        last_http_status: o.httpStatus,
        last_error_id: o.error === null ? null : (errorIds.get(o.error) ?? null),
      }));
      await trx
        .insertInto('product_state')
        .values(states)
        .onConflict((oc) =>
          oc.column('product_id').doUpdateSet((eb) => ({
            confirmed: eb.ref('excluded.confirmed'),
            confirmed_since: eb.ref('excluded.confirmed_since'),
            streak_status: eb.ref('excluded.streak_status'),
            streak_count: eb.ref('excluded.streak_count'),
            streak_started_at: eb.ref('excluded.streak_started_at'),
            unknown_since: eb.ref('excluded.unknown_since'),
            last_checked_at: eb.ref('excluded.last_checked_at'),
            last_status: eb.ref('excluded.last_status'),
            last_http_status: eb.ref('excluded.last_http_status'),
            last_error_id: eb.ref('excluded.last_error_id'),
          })),
        )
        .execute();
    }

    let alertEvents = 0;
    for (const check of batch) {
      for (const event of check.events) alertEvents += await applyTransition(trx, check, event);
    }
    for (const extend of extensions) {
      const added = await extend(trx, batch);
      if (typeof added === 'number') alertEvents += added;
    }
    return { alertEvents };
  });
}

async function applyTransition(trx: Transaction<DatabaseSchema>, check: RecordedCheck, event: TransitionEvent): Promise<number> {
  const product = await trx.selectFrom('products').select(['code', 'name', 'img']).where('id', '=', check.productId).executeTakeFirstOrThrow();
  if (event.type === 'baseline_healthy') return 0;

  if (event.type === 'outage_opened') {
    const outage = await trx
      .insertInto('outages')
      .values({ product_id: check.productId, started_at: event.startedAt, confirmed_at: event.confirmedAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    // A new outage resets the reminder clock.
    await trx.updateTable('product_state').set({ last_reminder_at: null }).where('product_id', '=', check.productId).execute();
    const payload: ProductAlertPayload = {
      kind: 'interruption',
      productCode: product.code,
      productName: product.name,
      productImg: product.img,
      startedAt: event.startedAt,
      confirmedAt: event.confirmedAt,
      endedAt: null,
      remindedAt: null,
      observations: event.observations,
    };
    await insertAlertEvent(trx, check.productId, outage.id, event.confirmedAt, payload);
    return 1;
  }

  const open = await trx
    .selectFrom('outages')
    .select(['id', 'started_at', 'confirmed_at'])
    .where('product_id', '=', check.productId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  if (!open) return 0;
  await trx.updateTable('outages').set({ ended_at: event.endedAt, recovery_confirmed_at: event.confirmedAt }).where('id', '=', open.id).execute();
  const payload: ProductAlertPayload = {
    kind: 'recovery',
    productCode: product.code,
    productName: product.name,
    productImg: product.img,
    startedAt: open.started_at,
    confirmedAt: event.confirmedAt,
    endedAt: event.endedAt,
    remindedAt: null,
    observations: event.observations,
  };
  await insertAlertEvent(trx, check.productId, open.id, event.confirmedAt, payload);
  return 1;
}

export async function insertAlertEvent(
  trx: Kysely<DatabaseSchema>,
  productId: number | null,
  outageId: number | null,
  occurredAt: number,
  payload: { kind: string },
): Promise<void> {
  await trx
    .insertInto('alert_events')
    .values({ kind: payload.kind, product_id: productId, outage_id: outageId, occurred_at: occurredAt, payload: JSON.stringify(payload) })
    .execute();
}

async function internErrorTexts(trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[]): Promise<Map<string, number>> {
  const texts = [...new Set(batch.map((check) => check.observation.error).filter((text): text is string => text !== null))];
  if (texts.length === 0) return new Map();
  await trx
    .insertInto('error_texts')
    .values(texts.map((text) => ({ text })))
    .onConflict((oc) => oc.column('text').doNothing())
    .execute();
  const rows = await trx.selectFrom('error_texts').select(['id', 'text']).where('text', 'in', texts).execute();
  return new Map(rows.map((row) => [row.text, row.id]));
}

/** Keeps the latest product name and image the API reported; the caller only flags real changes. */
async function updateProductInfo(trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[]): Promise<void> {
  for (const { productId, productInfo } of batch) {
    if (!productInfo) continue;
    await trx.updateTable('products').set({ name: productInfo.name, img: productInfo.img }).where('id', '=', productId).execute();
  }
}
