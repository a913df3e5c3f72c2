import type { ProductRow } from '../store/product-repository.js';
import { ReportInputError } from './report-input-error.js';

/**
 * Picks the products named by `codes` (exact match first, then ignoring
 * case), in the order of `all`. No codes means every product. Pure; throws
 * ReportInputError naming every unknown code.
 */
export function resolveProducts(all: readonly ProductRow[], codes: readonly string[] | undefined): ProductRow[] {
  if (codes === undefined || codes.length === 0) return [...all];
  const byCode = new Map(all.map((product) => [product.code, product]));
  const byLowerCode = new Map(all.map((product) => [product.code.toLowerCase(), product]));
  const picked = new Set<ProductRow>();
  const unknown: string[] = [];
  for (const code of codes) {
    const product = byCode.get(code) ?? byLowerCode.get(code.toLowerCase());
    if (product) picked.add(product);
    else unknown.push(code);
  }
  if (unknown.length > 0) {
    const known =
      all.length === 0
        ? 'no products have been recorded yet'
        : `known codes include ${all
            .slice(0, 8)
            .map((p) => p.code)
            .join(', ')}`;
    throw new ReportInputError(`unknown product code${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}; ${known}`);
  }
  return all.filter((product) => picked.has(product));
}
