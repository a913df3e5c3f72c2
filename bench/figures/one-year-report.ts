import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild } from '../lib/child.js';
import { type FigureContext, type FigureRow, notMeasured } from '../lib/figure.js';
import { buildPath, RESULTS_DIR, ROOT } from '../lib/paths.js';
import type { LatencyCase } from '../report-latency.js';
import type { ReportWorkerSpec } from '../report-worker.js';

const SEED = { products: 200, days: 365, retentionDays: 90, seed: 1 } as const;

/** Each table row and the report-latency case it reads. */
const ROWS = [
  {
    caseId: 'report-365d-all',
    row: {
      id: 'report-all-products',
      figure: 'one-year report, all 200 products',
      unit: 'ms',
      better: 'lower',
      limit: 200,
      strict: true,
      target: '< 200 ms',
      digits: 1,
    },
  },
  {
    caseId: 'outages-365d-one',
    row: {
      id: 'report-one-outage-list',
      figure: "one-year report, one product's outage list",
      unit: 'ms',
      better: 'lower',
      limit: 50,
      strict: true,
      target: '< 50 ms',
      digits: 1,
    },
  },
] as const;

function run<T>(spec: ReportWorkerSpec, niceness?: number): Promise<T> {
  const child = new BenchChild(buildPath('bench', 'report-worker.js'), { args: [JSON.stringify(spec)] });
  if (niceness !== undefined) child.setNiceness(niceness);
  return child.next('result', 900_000).then(async (message) => {
    await child.exited;
    return message.result as T;
  });
}

/**
 * The seeded database depends on the seed script, the schema and the
 * parameters; it is rebuilt when any of them changes and kept otherwise, as
 * seeding a year for 200 products takes about a minute and a half.
 */
function seedKey(): string {
  const hash = createHash('sha256')
    .update(JSON.stringify(SEED))
    .update(readFileSync(join(ROOT, 'scripts', 'seed-history.ts')));
  for (const file of readdirSync(join(ROOT, 'migrations')).sort()) hash.update(file).update(readFileSync(join(ROOT, 'migrations', file)));
  return hash.digest('hex').slice(0, 16);
}

export interface SeededHistory {
  db: string;
  /** True when this call built it. */
  seeded: boolean;
}

/** Returns the seeded one-year database, building it first if it is missing or stale. */
export async function ensureSeededHistory(ctx: FigureContext): Promise<SeededHistory> {
  const db = join(RESULTS_DIR, 'history', `seed-${SEED.products}x${SEED.days}.db`);
  const keyFile = `${db}.key`;
  const key = seedKey();
  if (existsSync(db) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return { db, seeded: false };
  ctx.log(`seeding ${SEED.products} products x ${SEED.days} days of one-minute history (kept in bench-results/history for later runs)`);
  const building = `${db}.building`;
  rmSync(keyFile, { force: true });
  // Background work: the lowest CPU priority, so the timed figures are not disturbed.
  await run({ mode: 'seed', out: building, ...SEED }, 19);
  for (const suffix of ['-wal', '-shm']) rmSync(`${building}${suffix}`, { force: true });
  renameSync(building, db);
  writeFileSync(keyFile, key);
  return { db, seeded: true };
}

/** True when the report's own seed script and latency benchmark are in the tree. */
export function reportBenchAvailable(): string[] {
  return ['scripts/seed-history.ts', 'bench/report-latency.ts'].filter((file) => !existsSync(join(ROOT, file)));
}

/**
 * The one-year report on a seeded database (200 products x 365 days at a
 * 1-minute cadence, raw checks kept for the last 90 days as retention
 * leaves them). The report code's own benchmark (bench/report-latency.ts)
 * times `buildReport` and `listOutages` on an open database, one warm-up and
 * then `runs` timed calls each; the table takes its medians.
 */
export async function measureOneYearReport(ctx: FigureContext, seeded: Promise<SeededHistory> | null): Promise<FigureRow[]> {
  const missing = reportBenchAvailable();
  if (missing.length > 0 || seeded === null) {
    return ROWS.map(({ row }) => notMeasured(row, `not measured yet: ${missing.join(' and ') || 'no seeded database'} missing`));
  }
  const { db } = await seeded;
  const runs = Math.max(5, ctx.runs);
  const result = await run<{ cases: LatencyCase[]; products: number; outages: number }>({ mode: 'measure', db, runs });
  for (const c of result.cases) ctx.log(`report: ${c.label}: median ${c.medianMs.toFixed(1)} ms (${c.rows} rows)`);
  return ROWS.map(({ caseId, row }) => {
    const found = result.cases.find((c) => c.id === caseId);
    if (!found) return notMeasured(row, `bench/report-latency.ts has no case ${caseId}`);
    return { ...row, value: found.medianMs, runs: found.runsMs };
  });
}
