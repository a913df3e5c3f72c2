import type { Kysely } from 'kysely';
import type { Observation } from '../../src/domain/observation.js';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../../src/domain/product-state.js';
import type { CheckStatus } from '../../src/domain/status.js';
import { transition } from '../../src/domain/transition.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import { type RecordedCheck, writeCheckBatch } from '../../src/store/check-batch-writer.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { ensureProducts } from '../../src/store/product-repository.js';
import type { DatabaseSchema } from '../../src/store/schema-types.js';
import { loadProductStates } from '../../src/store/state-repository.js';

/**
 * Seeds a real, migrated SQLite database with check history through the
 * daemon's own write path (`writeCheckBatch` with the rollup extension and
 * the pure `transition()`), so outages, product state and rollups are exactly
 * what the daemon would have written.
 */
export interface SeedProduct {
  code: string;
  name: string | null;
  /** Observed status at epoch second `t`; default Healthy. */
  statusAt?: (t: number) => CheckStatus;
}

export interface SeedOptions {
  products: readonly SeedProduct[];
  /** First check, epoch seconds. */
  from: number;
  /** Checks are taken at `from + k * intervalSeconds` while `< to`. */
  to: number;
  intervalSeconds: number;
  confirmAfter?: number;
}

export async function openSeededDatabase(path: string): Promise<StoreDatabase> {
  const store = openDatabase(path);
  await migrateToLatest(store.db);
  return store;
}

/** Writes every check of the timeline in batches. Resumes from the stored state, so it can be called again to extend history. */
export async function seedHistory(db: Kysely<DatabaseSchema>, options: SeedOptions): Promise<void> {
  const rows = await ensureProducts(
    db,
    options.products.map((product) => product.code),
    options.from,
  );
  const states = await loadProductStates(db);
  const extension = new RollupMaintainer({ coverageCapSeconds: Math.max(300, 2 * options.intervalSeconds) });
  const tracked = options.products.map((product) => {
    const row = rows.get(product.code);
    if (!row) throw new Error(`product ${product.code} was not created`);
    return { product, id: row.id, named: row.name === product.name, state: states.get(row.id) ?? INITIAL_PRODUCT_STATE };
  });
  let batch: RecordedCheck[] = [];
  for (let t = options.from; t < options.to; t += options.intervalSeconds) {
    for (const entry of tracked) {
      const status = entry.product.statusAt?.(t) ?? 'Healthy';
      const previous = entry.state;
      const { next, events } = transition(previous, status, t, options.confirmAfter ?? 2);
      entry.state = next;
      batch.push({
        productId: entry.id,
        observation: observation(entry.product, status, t),
        previous,
        next,
        events,
        ...(entry.named ? {} : { productInfo: { name: entry.product.name, img: null } }),
      });
      entry.named = true;
    }
    if (batch.length >= 2000) {
      await writeCheckBatch(db, batch, [extension]);
      batch = [];
    }
  }
  if (batch.length > 0) await writeCheckBatch(db, batch, [extension]);
  // As the daemon does at shutdown; readers of whole past days see them final.
  await extension.flush(db);
}

function observation(product: SeedProduct, status: CheckStatus, t: number): Observation {
  const known = status !== 'Unknown';
  return {
    productCode: product.code,
    status,
    checkedAt: t,
    latencyMs: 120,
    httpStatus: known ? 200 : 503,
    error: known ? null : 'HTTP 503 from IIMMPACT: service unavailable',
    errorKind: known ? null : 'http_5xx',
    productName: product.name,
    productImg: null,
    sourceUpdatedAt: known ? t : null,
  };
}

/** A status function that is Interruption inside any of the `[from, to)` windows (epoch s), else `base`. */
export function outagesAt(windows: ReadonlyArray<readonly [number, number]>, base: CheckStatus = 'Healthy'): (t: number) => CheckStatus {
  return (t) => (windows.some(([from, to]) => t >= from && t < to) ? 'Interruption' : base);
}

/** Used by tests that need the state of one product after seeding. */
export async function productState(db: Kysely<DatabaseSchema>, code: string): Promise<ProductState | undefined> {
  const rows = await ensureProducts(db, [code], 0);
  const id = rows.get(code)?.id;
  return id === undefined ? undefined : (await loadProductStates(db)).get(id);
}
