import type { Kysely } from 'kysely';
import type { Observation } from '../../src/domain/observation.js';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../../src/domain/product-state.js';
import type { CheckStatus } from '../../src/domain/status.js';
import { transition } from '../../src/domain/transition.js';
import { type BatchExtension, type RecordedCheck, writeCheckBatch } from '../../src/store/check-batch-writer.js';
import { ensureProducts } from '../../src/store/product-repository.js';
import type { DatabaseSchema } from '../../src/store/schema-types.js';

/** One check in a scripted history. `at` is epoch seconds. */
export interface ScriptedCheck {
  code: string;
  at: number;
  status: CheckStatus;
}

export interface RecordOptions {
  confirmAfter?: number;
  extensions?: readonly BatchExtension[];
  /** Checks per writeCheckBatch call (a list cycles through them); default 50. */
  batchSizes?: readonly number[];
  /** Carries state machine memory across calls. */
  states?: Map<string, ProductState>;
}

/**
 * Feeds a scripted history through the real state machine and the real batch
 * writer (checks, state, outages, alert events, extensions), in order.
 * Returns the product ids by code.
 */
export async function recordCheckSequence(
  db: Kysely<DatabaseSchema>,
  checks: readonly ScriptedCheck[],
  options: RecordOptions = {},
): Promise<Map<string, number>> {
  const codes = [...new Set(checks.map((check) => check.code))];
  const firstAt = checks.reduce((min, check) => Math.min(min, check.at), Number.POSITIVE_INFINITY);
  const products = await ensureProducts(db, codes, Number.isFinite(firstAt) ? firstAt : 0);
  const ids = new Map([...products].map(([code, row]) => [code, row.id]));
  const states = options.states ?? new Map<string, ProductState>();
  const sizes = options.batchSizes ?? [50];
  const recorded: RecordedCheck[] = checks.map((check) => {
    const prev = states.get(check.code) ?? INITIAL_PRODUCT_STATE;
    const { next, events } = transition(prev, check.status, check.at, options.confirmAfter ?? 2);
    states.set(check.code, next);
    return { productId: ids.get(check.code) as number, observation: observation(check), previous: prev, next, events };
  });
  let index = 0;
  for (let k = 0; index < recorded.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length] ?? 50);
    await writeCheckBatch(db, recorded.slice(index, index + size), options.extensions ?? []);
    index += size;
  }
  return ids;
}

function observation(check: ScriptedCheck): Observation {
  return {
    productCode: check.code,
    status: check.status,
    checkedAt: check.at,
    latencyMs: 100,
    httpStatus: check.status === 'Unknown' ? null : 200,
    error: check.status === 'Unknown' ? 'timeout after 10000 ms' : null,
    errorKind: check.status === 'Unknown' ? 'timeout' : null,
    productName: null,
    productImg: null,
    sourceUpdatedAt: null,
  };
}
