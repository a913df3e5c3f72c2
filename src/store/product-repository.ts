import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema-types.js';

export interface ProductRow {
  id: number;
  code: string;
  name: string | null;
  img: string | null;
}

/** Returns the id of every code, inserting unknown codes. Idempotent; throws on DB errors. */
export async function ensureProducts(
  db: Kysely<DatabaseSchema>,
  codes: readonly string[],
  nowSeconds: number,
): Promise<Map<string, ProductRow>> {
  const unique = [...new Set(codes)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    await db
      .insertInto('products')
      .values(chunk.map((code) => ({ code, first_seen_at: nowSeconds })))
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  }
  const rows = await listProducts(db);
  const wanted = new Set(unique);
  return new Map(rows.filter((row) => wanted.has(row.code)).map((row) => [row.code, row]));
}

/** Every product ever seen, by code. */
export async function listProducts(db: Kysely<DatabaseSchema>): Promise<ProductRow[]> {
  return db.selectFrom('products').select(['id', 'code', 'name', 'img']).orderBy('code').execute();
}
