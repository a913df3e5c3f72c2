import { join } from 'node:path';
import { BenchChild } from '../lib/child.js';
import type { FigureContext, FigureRow } from '../lib/figure.js';
import { productionNodeFlags } from '../lib/node-flags.js';
import { buildPath } from '../lib/paths.js';
import { scratchDir } from '../lib/scratch.js';
import { median } from '../lib/stats.js';
import type { WriteResult, WriteSpec } from '../write-worker.js';

async function write(spec: WriteSpec): Promise<WriteResult> {
  const child = new BenchChild(buildPath('bench', 'write-worker.js'), { args: [JSON.stringify(spec)], execArgv: productionNodeFlags() });
  const result = (await child.next('result', 600_000)).result as WriteResult;
  await child.exited;
  const expected = spec.products * (spec.cycles + (spec.warmupCycles ?? 0));
  if (result.rows !== expected) throw new Error(`write: expected ${expected} rows, found ${result.rows}`);
  return result;
}

/**
 * Write cost and storage per check, 1,000 products, one batch per cycle at a
 * 1-minute cadence. Per run, two write-worker processes:
 * - write cost: 20 warm-up cycles, then 200 timed cycles through the App's
 *   recorder, exactly the daemon's write transaction (check rows, product
 *   state, outages, alert events, and the alert-policy and rollup
 *   extensions), timed around the recorder, plus the final write of the
 *   rollups still folded in memory;
 * - storage: 1,000 cycles (1M checks) through the batch writer alone (the
 *   extensions write other tables, not `checks`), then VACUUM and dbstat's
 *   page bytes for `checks` and every index on it, over its rows. Its rate is
 *   reported too, as the cost of the check rows and product state alone.
 */
export async function measureWriteAndStorage(ctx: FigureContext): Promise<FigureRow[]> {
  const products = 1000;
  const storageCycles = ctx.quick ? 100 : 1000;
  const appCycles = ctx.quick ? 30 : 200;
  const appWarmup = ctx.quick ? 5 : 20;
  const rates: number[] = [];
  const coreRates: number[] = [];
  const bytes: number[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    const dir = scratchDir(`write-${run}`);
    const app = await write({ database: join(dir, 'app.db'), products, cycles: appCycles, warmupCycles: appWarmup, cadenceSeconds: 60, seed: run, path: 'app', storage: false });
    const core = await write({ database: join(dir, 'core.db'), products, cycles: storageCycles, cadenceSeconds: 60, seed: run, path: 'core', storage: true });
    rates.push(app.checks / (app.writeMs / 1000));
    coreRates.push(core.checks / (core.writeMs / 1000));
    bytes.push(core.checksBytes / core.rows);
    ctx.log(
      `write run ${run}: ${Math.round(rates.at(-1) as number)} checks/s through the recorder (${app.outages} outages), ` +
        `${Math.round(coreRates.at(-1) as number)} checks/s batch writer alone; ${(bytes.at(-1) as number).toFixed(2)} bytes/check ` +
        `(${core.rows} rows, file ${(core.fileBytes / 1e6).toFixed(1)} MB)`,
    );
  }
  return [
    {
      id: 'write-cost',
      figure: `write cost (${products} checks per batch, the daemon's whole write transaction)`,
      value: median(rates),
      runs: rates,
      unit: 'checks/s',
      better: 'higher',
      limit: 300_000,
      target: '>= 300,000 checks/s',
      note: `the batch writer alone (check rows + product state, no extensions): median ${Math.round(median(coreRates)).toLocaleString('en-US')} checks/s`,
    },
    {
      id: 'storage-per-check',
      figure: `storage per check (${(products * storageCycles).toLocaleString('en-US')} checks, VACUUMed, with indexes)`,
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
