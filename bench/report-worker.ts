/**
 * Child-process entry for the one-year report figure. It only drives code
 * that lives with the report: `seedHistory` (scripts/seed-history.ts) builds
 * the database and `measureReportLatency` (bench/report-latency.ts) times the
 * queries. argv[2] is a JSON `ReportWorkerSpec`; the result goes over IPC.
 */
import { seedHistory } from '../scripts/seed-history.js';
import { failChild } from './lib/child.js';
import { measureReportLatency } from './report-latency.js';

export type ReportWorkerSpec =
  | { mode: 'seed'; out: string; products: number; days: number; retentionDays: number; seed: number }
  | { mode: 'measure'; db: string; runs: number };

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ReportWorkerSpec;
  const result =
    spec.mode === 'seed'
      ? await seedHistory({ products: spec.products, days: spec.days, retentionDays: spec.retentionDays, out: spec.out, seed: spec.seed })
      : await measureReportLatency({ db: spec.db, runs: spec.runs });
  process.send?.({ type: 'result', result });
  process.disconnect?.();
}

main().catch(failChild);
