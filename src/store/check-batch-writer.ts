import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { ProductAlertPayload } from '../domain/alert-event.js';
import type { Observation } from '../domain/observation.js';
import { type ProductState, sameProductState } from '../domain/product-state.js';
import { STATUS_CODE } from '../domain/status.js';
import type { TransitionEvent } from '../domain/transition.js';
import { keepPrepared } from './database.js';
import { storedHttpStatus } from './http-status-column.js';
import type { DatabaseSchema } from './schema-types.js';
import { productStateColumns } from './state-repository.js';

/** One observed check and what the state machine made of it. */
export interface RecordedCheck {
  productId: number;
  observation: Observation;
  /** The state before this check; the state row is written only when `next` differs. */
  previous: ProductState;
  next: ProductState;
  events: readonly TransitionEvent[];
  /** Set only when the API reported a name or image different from the stored one. */
  productInfo?: { name: string | null; img: string | null };
}

/**
 * Extra work that must commit atomically with a batch (rollups, reminders, operator alerts).
 */
export interface BatchExtension {
  /**
   * Runs inside the batch's transaction, after the check rows, product state
   * and outages are written. Returns how many alert events it inserted (if
   * any), so the outbox is woken after the commit.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: an extension that inserts no alert events returns nothing.
  apply(trx: Transaction<DatabaseSchema>, batch: readonly RecordedCheck[]): Promise<void | number>;
  /**
   * True when this extension writes `product_state`'s last-check columns
   * itself, behind the checks (the rollup maintainer does, at its writes;
   * `queryProductStatus` adds the newer checks). The writer then writes a
   * product's state row only when the state machine's memory changed.
   */
  readonly writesLastChecks?: boolean;
  /** Called once the transaction has committed; an extension with memory adopts what `apply` staged. */
  committed?(): void;
  /** Called when the transaction failed and rolled back; staged memory must be dropped. */
  rolledBack?(): void;
}

export interface BatchResult {
  /** Alert events inserted; the caller wakes the outbox after this resolves. */
  alertEvents: number;
}

/**
 * Rows per multi-row INSERT. A batch of n rows runs as full chunks of the
 * largest size plus one statement per set bit of the remainder, so only
 * these eight SQL shapes exist and every one of them stays prepared (see
 * `keepPrepared`): a batch's cost is binding and inserting, not compiling.
 */
const CHUNK_SIZES = [128, 64, 32, 16, 8, 4, 2, 1] as const;

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
  const statements = batchStatementsFor(db);
  let result: BatchResult;
  try {
    result = await writeInTransaction(db, statements, batch, extensions);
  } catch (error) {
    for (const extension of extensions) extension.rolledBack?.();
    throw error;
  }
  for (const extension of extensions) extension.committed?.();
  return result;
}

function writeInTransaction(
  db: Kysely<DatabaseSchema>,
  statements: BatchStatements,
  batch: readonly RecordedCheck[],
  extensions: readonly BatchExtension[],
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const errorIds = await internErrorTexts(trx, batch);
    await updateProductInfo(trx, batch);

    const errorIdOf = (o: Observation) => (o.error === null ? null : (errorIds.get(o.error) ?? null));
    // Same column order as CHECK_COLUMNS below.
    await executeInChunks(trx, batch, statements.insertChecks, (params, { productId, observation: o }) =>
      params.push(
        o.checkedAt,
        productId,
        STATUS_CODE[o.status],
        Math.max(0, Math.round(o.latencyMs)),
        storedHttpStatus(o.httpStatus),
        errorIdOf(o),
        o.sourceUpdatedAt,
      ),
    );

    // With an extension writing the last-check columns behind, a state row is written only when the
    // state machine's memory changed: in steady state that is none, and the row was the largest
    // single cost of a check (docs/performance.md).
    const lastChecksBehind = extensions.some((extension) => extension.writesLastChecks === true);
    const states = lastChecksBehind ? batch.filter((check) => !sameProductState(check.previous, check.next)) : batch;
    // Same column order as STATE_COLUMNS below.
    await executeInChunks(trx, states, statements.upsertStates, (params, { productId, observation: o, next }) => {
      const state = productStateColumns(next);
      params.push(
        productId,
        state.confirmed,
        state.confirmed_since,
        state.streak_status,
        state.streak_count,
        state.streak_started_at,
        state.unknown_since,
        o.checkedAt,
        STATUS_CODE[o.status],
        o.httpStatus,
        errorIdOf(o),
      );
    });

    let alertEvents = 0;
    for (const check of batch) {
      for (const event of check.events) alertEvents += await applyTransition(trx, check, event);
    }
    for (const extension of extensions) {
      const added = await extension.apply(trx, batch);
      if (typeof added === 'number') alertEvents += added;
    }
    return { alertEvents };
  });
}

async function applyTransition(trx: Transaction<DatabaseSchema>, check: RecordedCheck, event: TransitionEvent): Promise<number> {
  if (event.type === 'baseline_healthy') return 0;
  const product = await trx
    .selectFrom('products')
    .select(['code', 'name', 'img'])
    .where('id', '=', check.productId)
    .executeTakeFirstOrThrow();

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
  await trx
    .updateTable('outages')
    .set({ ended_at: event.endedAt, recovery_confirmed_at: event.confirmedAt })
    .where('id', '=', open.id)
    .execute();
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

const CHECK_COLUMNS = ['checked_at', 'product_id', 'status', 'latency_ms', 'http_status', 'error_id', 'source_updated_at'] as const;
const STATE_COLUMNS = [
  'product_id',
  'confirmed',
  'confirmed_since',
  'streak_status',
  'streak_count',
  'streak_started_at',
  'unknown_since',
  'last_checked_at',
  'last_status',
  'last_http_status',
  'last_error_id',
] as const;

/**
 * Runs one of the batch's multi-row statements over `checks`, in chunks of
 * CHUNK_SIZES rows; `pushRow` appends one check's parameters in the
 * statement's column order.
 */
async function executeInChunks(
  trx: Transaction<DatabaseSchema>,
  checks: readonly RecordedCheck[],
  sqlFor: (rows: number) => string,
  pushRow: (params: unknown[], check: RecordedCheck) => void,
): Promise<void> {
  for (let offset = 0; offset < checks.length; ) {
    const rows = chunkSize(checks.length - offset);
    const params: unknown[] = [];
    for (let i = offset; i < offset + rows; i++) pushRow(params, checks[i] as RecordedCheck);
    await trx.executeQuery(CompiledQuery.raw(sqlFor(rows), params));
    offset += rows;
  }
}

/** The largest chunk size that fits in `remaining` rows. */
function chunkSize(remaining: number): number {
  for (const size of CHUNK_SIZES) if (size <= remaining) return size;
  return 1;
}

interface BatchStatements {
  /** SQL of the checks INSERT for `rows` rows; parameters in CHECK_COLUMNS order, row by row. */
  insertChecks(rows: number): string;
  /** SQL of the product_state upsert for `rows` rows; parameters in STATE_COLUMNS order, row by row. */
  upsertStates(rows: number): string;
}

const statementsByDb = new WeakMap<Kysely<DatabaseSchema>, BatchStatements>();

/**
 * The batch's two multi-row statements, built with Kysely (so they stay
 * dialect-neutral) and compiled once per chunk size and database. Building a
 * 500-row insert through the query builder on every batch, value by value,
 * cost more than SQLite's own work (profile in docs/performance.md); the
 * compiled SQL is executed with fresh parameters instead.
 */
function batchStatementsFor(db: Kysely<DatabaseSchema>): BatchStatements {
  let statements = statementsByDb.get(db);
  if (statements) return statements;
  const compiled = (build: (rows: number) => CompiledQuery, columns: readonly string[]) => {
    const cache = new Map<number, string>();
    return (rows: number): string => {
      let sql = cache.get(rows);
      if (sql === undefined) {
        const query = build(rows);
        // Templates are built with each value set to its column's index, so this
        // proves the parameter order matches the order the caller pushes in.
        const inOrder =
          query.parameters.length === rows * columns.length && query.parameters.every((value, i) => value === i % columns.length);
        if (!inOrder) throw new Error(`unexpected parameter order in ${query.sql.slice(0, 80)}`);
        sql = keepPrepared(query.sql);
        cache.set(rows, sql);
      }
      return sql;
    };
  };
  const template = <C extends readonly string[]>(columns: C, rows: number) =>
    Array.from({ length: rows }, () => Object.fromEntries(columns.map((column, index) => [column, index])));
  statements = {
    insertChecks: compiled(
      (rows) =>
        db
          .insertInto('checks')
          .values(template(CHECK_COLUMNS, rows) as never)
          // A same-second duplicate (e.g. `netwatch check` racing the daemon) keeps the first row.
          .onConflict((oc) => oc.columns(['checked_at', 'product_id']).doNothing())
          .compile(),
      CHECK_COLUMNS,
    ),
    upsertStates: compiled(
      (rows) =>
        db
          .insertInto('product_state')
          .values(template(STATE_COLUMNS, rows) as never)
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
          .compile(),
      STATE_COLUMNS,
    ),
  };
  statementsByDb.set(db, statements);
  return statements;
}
