import type { Kysely } from 'kysely';
import { selectOutagesOverlapping } from '../store/outage-query.js';
import { listProducts } from '../store/product-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { type OutageListRow, toOutageListRows } from './outage-list.js';
import { ReportInputError } from './report-input-error.js';
import { resolveProducts } from './resolve-products.js';

export interface ListOutagesOptions {
  /** Inclusive window start, epoch seconds. */
  from: number;
  /** Exclusive window end, epoch seconds; cut at `now`. */
  to: number;
  /** Epoch seconds; an ongoing outage lasts until here. */
  now: number;
  /** Product codes; none means all. */
  products?: readonly string[];
}

/**
 * Every outage overlapping the window, oldest first, with its whole duration
 * and the part inside the window. Reads the outage table only (index-backed).
 * Read-only. Throws ReportInputError for unknown codes or an empty window.
 */
export async function listOutages(db: Kysely<DatabaseSchema>, options: ListOutagesOptions): Promise<OutageListRow[]> {
  const to = Math.min(options.to, options.now);
  if (options.from >= to) throw new ReportInputError('the report window is empty: it must start before it ends, and before now');
  const all = await listProducts(db);
  const narrowed = options.products !== undefined && options.products.length > 0;
  const products = resolveProducts(all, options.products);
  const byId = new Map(products.map((product) => [product.id, product]));
  const rows = await selectOutagesOverlapping(db, { from: options.from, to }, narrowed ? products.map((product) => product.id) : undefined);
  const named = rows.flatMap((row) => {
    const product = byId.get(row.productId);
    return product ? [{ ...row, productCode: product.code, productName: product.name }] : [];
  });
  return toOutageListRows(named, { from: options.from, to }, options.now);
}
