import type { Kysely, Transaction } from 'kysely';
import type { OperatorAlertPayload, ProductAlertPayload } from '../domain/alert-event.js';
import { type BatchExtension, insertAlertEvent, type RecordedCheck } from '../store/check-batch-writer.js';
import { type ActiveCondition, deleteCondition, loadActiveConditions, saveCondition } from '../store/operator-condition-repository.js';
import { silenceAt } from '../store/outbox-repository.js';
import { preparedQuery } from '../store/prepared-query.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { markSilenceEndHandled, type SilenceRow, selectSilencesSince, selectUnhandledEndedSilences } from '../store/silence-repository.js';
import {
  type ConditionChange,
  type CycleView,
  decideCycleConditions,
  decideUnknownConditions,
  GLOBAL_CONDITIONS,
} from './operator-conditions.js';
import { decideReminders } from './reminders.js';
import { matchesProductPattern } from './routing.js';
import { decideSilenceEnd, type OutageAtSilenceEnd } from './silences.js';

/**
 * The alert policy that runs on the poll path, INSIDE the transaction that
 * records each batch of checks: reminders, the one alert owed when a silence
 * ends, and per-product "Unknown for too long" conditions. Deciding and
 * recording commit together with `last_reminder_at` / the condition state, so
 * a crash can neither lose a due reminder nor send it twice, and a restart
 * resumes from the stored times. "Now" is the newest check time in the batch,
 * so the policy follows the checks, not a separate clock.
 */
export interface AlertPolicyOptions {
  /** ms; 0 turns reminders off. */
  remindEveryMs: number;
  /** ms; 0 turns per-product Unknown alerts off. */
  unknownAfterMs: number;
}

/** Builds the BatchExtension. It returns how many alert events it inserted, so the outbox is woken. */
export function createAlertPolicyExtension(options: AlertPolicyOptions): BatchExtension {
  const remindEvery = Math.round(options.remindEveryMs / 1000);
  const unknownAfter = Math.round(options.unknownAfterMs / 1000);
  return {
    async apply(trx, batch) {
      if (batch.length === 0) return 0;
      let now = Number.NEGATIVE_INFINITY;
      for (const check of batch) now = Math.max(now, check.observation.checkedAt);
      let inserted = 0;
      inserted += await raiseReminders(trx, batch, now, remindEvery);
      inserted += await handleEndedSilences(trx, now);
      inserted += await updateUnknownConditions(trx, batch, now, unknownAfter);
      return inserted;
    },
  };
}

async function raiseReminders(
  trx: Transaction<DatabaseSchema>,
  batch: readonly RecordedCheck[],
  now: number,
  remindEvery: number,
): Promise<number> {
  if (remindEvery <= 0) return 0;
  // Only products seen in Interruption in this batch: a product no longer polled is not reminded
  // about forever, and one that is recovering (a Healthy check not yet confirmed) or Unknown waits
  // for the next check rather than being called "still interrupted".
  const ids = [...new Set(batch.filter((check) => check.observation.status === 'Interruption').map((check) => check.productId))];
  const open = await openOutages(trx, ids);
  if (open.length === 0) return 0;
  const due = decideReminders(
    open.map((o) => ({ productId: o.product_id, outageId: o.id, confirmedAt: o.confirmed_at, lastReminderAt: o.last_reminder_at })),
    now,
    remindEvery,
  );
  for (const reminder of due) {
    const outage = open.find((o) => o.id === reminder.outageId);
    if (!outage) continue;
    await insertAlertEvent(trx, outage.product_id, outage.id, now, productPayload('reminder', outage, now, null));
    await trx.updateTable('product_state').set({ last_reminder_at: now }).where('product_id', '=', outage.product_id).execute();
  }
  return due.length;
}

interface OpenOutageRow {
  id: number;
  product_id: number;
  started_at: number;
  confirmed_at: number;
  last_reminder_at: number | null;
  code: string;
  name: string | null;
  img: string | null;
}

/** Every open outage; few at any time, and found through the one-open-per-product index. Runs with every batch that saw an Interruption. */
const selectOpenOutages = preparedQuery((db) =>
  db
    .selectFrom('outages as o')
    .innerJoin('products as p', 'p.id', 'o.product_id')
    .leftJoin('product_state as s', 's.product_id', 'o.product_id')
    .select(['o.id', 'o.product_id', 'o.started_at', 'o.confirmed_at', 's.last_reminder_at', 'p.code', 'p.name', 'p.img'])
    .where('o.ended_at', 'is', null),
);

/** Open outages, of the given products only when `productIds` is set. */
async function openOutages(trx: Kysely<DatabaseSchema>, productIds?: readonly number[]): Promise<OpenOutageRow[]> {
  if (productIds?.length === 0) return [];
  const open = await selectOpenOutages(trx);
  if (!productIds) return open;
  const wanted = new Set(productIds);
  return open.filter((outage) => wanted.has(outage.product_id));
}

function productPayload(
  kind: 'interruption' | 'reminder',
  outage: OpenOutageRow,
  now: number,
  afterSilence: ProductAlertPayload['afterSilence'],
  observations = 0,
): ProductAlertPayload {
  return {
    kind,
    productCode: outage.code,
    productName: outage.name,
    productImg: outage.img,
    startedAt: outage.started_at,
    confirmedAt: outage.confirmed_at,
    endedAt: null,
    remindedAt: kind === 'reminder' ? now : null,
    observations,
    ...(afterSilence ? { afterSilence } : {}),
  };
}

async function handleEndedSilences(trx: Transaction<DatabaseSchema>, now: number): Promise<number> {
  const ended = await selectUnhandledEndedSilences(trx, now);
  if (ended.length === 0) return 0;
  const open = await openOutages(trx);
  const windows = open.length === 0 ? [] : await selectSilencesSince(trx, Math.min(...open.map((o) => o.started_at)));
  let inserted = 0;
  for (const silence of ended) {
    const candidates: OutageAtSilenceEnd[] = [];
    for (const outage of open.filter((o) => matchesProductPattern(silence.pattern, o.code))) {
      candidates.push(await describeOutage(trx, outage, windows));
    }
    const owed = decideSilenceEnd(candidates, (code) =>
      windows.some((w) => w.id !== silence.id && w.created_at <= now && now < w.ends_at && matchesProductPattern(w.pattern, code)),
    );
    for (const alert of owed) {
      const outage = open.find((o) => o.id === alert.outageId);
      if (!outage) continue;
      const afterSilence = { silenceId: silence.id, reason: silence.reason, endedAt: silence.ends_at };
      const observations = alert.kind === 'interruption' ? await originalObservations(trx, outage.id) : 0;
      await insertAlertEvent(trx, outage.product_id, outage.id, now, productPayload(alert.kind, outage, now, afterSilence, observations));
      // The owed alert counts as the latest reminder: the next one is a full interval later.
      await trx.updateTable('product_state').set({ last_reminder_at: now }).where('product_id', '=', outage.product_id).execute();
      inserted += 1;
    }
    await markSilenceEndHandled(trx, silence.id, now);
  }
  return inserted;
}

async function describeOutage(
  trx: Kysely<DatabaseSchema>,
  outage: OpenOutageRow,
  windows: readonly SilenceRow[],
): Promise<OutageAtSilenceEnd> {
  const events = await trx
    .selectFrom('alert_events')
    .select(['id', 'kind', 'occurred_at'])
    .where('outage_id', '=', outage.id)
    .where('kind', 'in', ['interruption', 'reminder'])
    .orderBy('id')
    .execute();
  const silenced = (at: number) => silenceAt(windows, outage.code, at, matchesProductPattern) !== null;
  const latest = events[events.length - 1];
  return {
    productCode: outage.code,
    outageId: outage.id,
    latestEventSilenced: latest !== undefined && silenced(latest.occurred_at),
    everNotified: events.some((event) => !silenced(event.occurred_at)),
  };
}

async function originalObservations(trx: Kysely<DatabaseSchema>, outageId: number): Promise<number> {
  const first = await trx
    .selectFrom('alert_events')
    .select('payload')
    .where('outage_id', '=', outageId)
    .where('kind', '=', 'interruption')
    .orderBy('id')
    .executeTakeFirst();
  if (!first) return 0;
  try {
    return (JSON.parse(first.payload) as ProductAlertPayload).observations ?? 0;
  } catch {
    return 0;
  }
}

async function updateUnknownConditions(
  trx: Transaction<DatabaseSchema>,
  batch: readonly RecordedCheck[],
  now: number,
  unknownAfter: number,
): Promise<number> {
  const conditions = await loadActiveConditions(trx);
  const activeCodes = [...conditions.keys()].filter((key) => key.startsWith('unknown:')).map((key) => key.slice('unknown:'.length));
  const globalBlind = GLOBAL_CONDITIONS.some((name) => conditions.has(name));
  // Only two kinds of check can change anything: one Unknown for long enough to raise, and
  // one of a product whose condition is active (to clear it). Looking up only those keeps
  // the usual batch, all fresh, at this one query (the products of a whole batch cost
  // about 4 µs per check: docs/performance.md).
  const candidateIds = new Set<number>();
  if (unknownAfter > 0 && !globalBlind) {
    for (const { productId, next, observation } of batch) {
      if (next.unknownSince !== null && observation.checkedAt - next.unknownSince >= unknownAfter) candidateIds.add(productId);
    }
  }
  if (candidateIds.size === 0 && activeCodes.length === 0) return 0;
  const products = await trx
    .selectFrom('products')
    .select(['id', 'code', 'name'])
    .where((eb) =>
      eb.or([
        ...(candidateIds.size > 0 ? [eb('id', 'in', [...candidateIds])] : []),
        ...(activeCodes.length > 0 ? [eb('code', 'in', activeCodes)] : []),
      ]),
    )
    .execute();
  const byId = new Map(products.map((product) => [product.id, product]));
  const decision = decideUnknownConditions(
    batch.flatMap((check) => {
      const product = byId.get(check.productId);
      return product
        ? [
            {
              productCode: product.code,
              productName: product.name,
              unknownSince: check.next.unknownSince,
              checkedAt: check.observation.checkedAt,
              lastError: check.observation.error,
            },
          ]
        : [];
    }),
    new Set(conditions.keys()),
    unknownAfter,
    globalBlind,
  );
  const productIdByCode = new Map(products.map((product) => [product.code, product.id]));
  return applyConditionDecision(
    trx,
    decision.raise,
    decision.clear,
    conditions,
    now,
    (change) => productIdByCode.get(change.productCode ?? '') ?? null,
    (name) => {
      const code = name.slice('unknown:'.length);
      return `${code} answers with a usable status again.`;
    },
  );
}

/**
 * Records raised and cleared conditions: one alert event each plus the
 * `meta` state, in the caller's transaction. Returns the events inserted.
 */
async function applyConditionDecision(
  db: Kysely<DatabaseSchema>,
  raise: readonly ConditionChange[],
  clear: readonly string[],
  active: ReadonlyMap<string, ActiveCondition>,
  now: number,
  productIdOf: (change: ConditionChange) => number | null,
  restoredSummary: (name: string, condition: ActiveCondition) => string,
): Promise<number> {
  let inserted = 0;
  for (const change of raise) {
    const payload: OperatorAlertPayload = {
      kind: 'monitoring_blind',
      condition: change.condition,
      summary: change.summary,
      since: change.since,
      at: now,
      ...(change.productCode ? { productCode: change.productCode } : {}),
    };
    await insertAlertEvent(db, productIdOf(change), null, now, payload);
    await saveCondition(db, change.condition, { since: change.since, raisedAt: now, summary: change.summary });
    inserted += 1;
  }
  for (const name of clear) {
    const condition = active.get(name);
    if (!condition) continue;
    const payload: OperatorAlertPayload = {
      kind: 'monitoring_restored',
      condition: name,
      summary: restoredSummary(name, condition),
      since: condition.since,
      at: now,
      ...(name.startsWith('unknown:') ? { productCode: name.slice('unknown:'.length) } : {}),
    };
    await insertAlertEvent(db, null, null, now, payload);
    await deleteCondition(db, name);
    inserted += 1;
  }
  return inserted;
}

/**
 * After a poll cycle: raises or clears the API-wide conditions (unreachable,
 * auth) in one transaction with their alert events. Returns how many events
 * were inserted (wake the outbox when > 0). Throws on DB errors.
 *
 * @param cycleStart epoch seconds at which the cycle started
 * @param now epoch seconds, the cycle's end
 */
export async function recordCycleConditions(
  db: Kysely<DatabaseSchema>,
  cycle: CycleView,
  cycleStart: number,
  now: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const conditions = await loadActiveConditions(trx);
    const decision = decideCycleConditions(cycle, new Set(conditions.keys()), cycleStart);
    if (decision.raise.length === 0 && decision.clear.length === 0) return 0;
    return applyConditionDecision(
      trx,
      decision.raise,
      decision.clear,
      conditions,
      now,
      () => null,
      (name) => (name === 'auth' ? 'IIMMPACT accepts netwatch\u2019s requests again.' : 'IIMMPACT\u2019s API answers netwatch again.'),
    );
  });
}
