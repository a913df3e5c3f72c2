import type { Kysely } from 'kysely';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../domain/product-state.js';
import { ensureProducts } from '../store/product-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { loadProductStates } from '../store/state-repository.js';

/** A product being polled, with the state machine's current memory. */
export interface PolledProduct {
  id: number;
  code: string;
  name: string | null;
  img: string | null;
  state: ProductState;
}

/**
 * The in-memory set of products to poll. It is loaded from the database at
 * start, so the state machine resumes where the last run stopped. Only the
 * poll cycle mutates it.
 */
export class ProductRegistry {
  private products: PolledProduct[] = [];
  private byId = new Map<number, PolledProduct>();

  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Replaces the polled set with `codes`, keeping the state of products already known. Throws on DB errors. */
  async setCodes(codes: readonly string[], nowSeconds: number): Promise<void> {
    const rows = await ensureProducts(this.db, codes, nowSeconds);
    const states = await loadProductStates(this.db);
    const next: PolledProduct[] = [];
    for (const code of new Set(codes)) {
      const row = rows.get(code);
      if (!row) continue;
      const existing = this.byId.get(row.id);
      next.push(
        existing ?? { id: row.id, code: row.code, name: row.name, img: row.img, state: states.get(row.id) ?? INITIAL_PRODUCT_STATE },
      );
    }
    this.products = next;
    this.byId = new Map(next.map((product) => [product.id, product]));
  }

  list(): readonly PolledProduct[] {
    return this.products;
  }

  get size(): number {
    return this.products.length;
  }
}
