import { join } from 'node:path';
import type { WriteResult, WriteSpec } from '../write-worker.js';
import { BenchChild } from '../lib/child.js';
import { type FigureContext, type FigureRow } from '../lib/figure.js';
import { buildPath } from '../lib/paths.js';
import { scratchDir } from '../lib/scratch.js';
import { median } from '../lib/stats.js';

/**
 * Write cost and storage per check, from one write-worker process per run:
 * 1,000 products, one batch per cycle at a 1-minute cadence, 1,000 cycles
 * (1M checks) through the daemon's own recorder and batch writer. Write cost
 * is checks over the time spent in the recorder; storage is dbstat's page
 * bytes for `checks` and every index on it, after VACUUM, over its rows.
 */
export async function measureWriteAndStorage(ctx: FigureContext): Promise<FigureRow[]> {
  const products = 1000;
  const cycles = ctx.quick ? 100 : 1000;
  const rates: number[] = [];
  const bytes: number[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    const dir = scratchDir(`write-${run}`);
    const spec: WriteSpec = { database: join(dir, 'netwatch.db'), products, cycles, cadenceSeconds: 60, seed: run, storage: true };
    const child = new BenchChild(buildPath('bench', 'write-worker.js'), { args: [JSON.stringify(spec)] });
    const result = (await child.next('result', 600_000)).result as WriteResult;
    await child.exited;
    if (result.rows !== products * cycles) throw new Error(`write run ${run}: expected ${products * cycles} rows, found ${result.rows}`);
    rates.push(result.checks / (result.writeMs / 1000));
    bytes.push(result.checksBytes / result.rows);
    ctx.log(
      `write run ${run}: ${Math.round(rates.at(-1) as number)} checks/s, ${(bytes.at(-1) as number).toFixed(2)} bytes/check (${result.rows} rows, ${result.outages} outages, file ${(result.fileBytes / 1e6).toFixed(1)} MB)`,
    );
  }
  return [
    {
      id: 'write-cost',
      figure: `write cost (${products} checks per batch, through the recorder)`,
      value: median(rates),
      runs: rates,
      unit: 'checks/s',
      better: 'higher',
      limit: 300_000,
      target: '>= 300,000 checks/s',
    },
    {
      id: 'storage-per-check',
      figure: `storage per check (${(products * cycles).toLocaleString('en-US')} checks, VACUUMed, with indexes)`,
      value: median(bytes),
      runs: bytes,
      unit: 'bytes',
      better: 'lower',
      limit: 24,
      target: '<= 24 bytes',
      digits: 2,
    },
  ];
}
