import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type FigureContext, type FigureRow, notMeasured } from '../lib/figure.js';
import { ROOT } from '../lib/paths.js';

const ROWS = [
  {
    id: 'report-all-products',
    figure: 'one-year report, all 200 products',
    unit: 'ms',
    better: 'lower',
    limit: 200,
    strict: true,
    target: '< 200 ms',
    digits: 1,
  },
  {
    id: 'report-one-outage-list',
    figure: "one-year report, one product's outage list",
    unit: 'ms',
    better: 'lower',
    limit: 50,
    strict: true,
    target: '< 50 ms',
    digits: 1,
  },
] as const;

/**
 * The one-year report over a seeded database (200 products x 365 days at a
 * 1-minute cadence). The seeding and the measurement itself live with the
 * report code (scripts/seed-history.ts, bench/report-latency.ts); this
 * figure runs them and folds the result into the table.
 */
export async function measureOneYearReport(_ctx: FigureContext): Promise<FigureRow[]> {
  const missing = ['scripts/seed-history.ts', 'bench/report-latency.ts'].filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0) return ROWS.map((row) => notMeasured(row, `not measured yet: ${missing.join(' and ')} missing`));
  return ROWS.map((row) => notMeasured(row, 'not measured yet: bench/report-latency.ts is not wired into the table'));
}
