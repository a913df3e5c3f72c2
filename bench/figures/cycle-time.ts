import type { FigureContext, FigureRow } from '../lib/figure.js';
import { median } from '../lib/stats.js';
import { runDaemon } from './throughput.js';

/**
 * Cycle time against the ideal: 500 products, simulator at 50 ms per
 * response, concurrency 16, no request limit. The ideal is 500 x 50 ms / 16;
 * the figure is the measured cycle (pollCycle's own duration: product list,
 * requests, state machine and the final committed flush) divided by it. The
 * first cycle of each run opens the connections and is not counted.
 */
export async function measureCycleTime(ctx: FigureContext): Promise<FigureRow[]> {
  const products = ctx.quick ? 160 : 500;
  const latencyMs = 50;
  const concurrency = 16;
  const idealMs = (products * latencyMs) / concurrency;
  const ratios: number[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    const { result } = await runDaemon({
      name: `cycle-time-${run}`,
      products,
      latencyMs,
      concurrency,
      requestRate: 0,
      cycles: 2,
      warmupCycles: 1,
      advanceClock: false,
    });
    const cycleMs = result.cycleMs.at(-1) as number;
    ratios.push(cycleMs / idealMs);
    ctx.log(
      `cycle time run ${run}: ${cycleMs} ms for ${products} products (ideal ${idealMs.toFixed(0)} ms, ${(cycleMs / idealMs).toFixed(3)}x)`,
    );
  }
  return [
    {
      id: 'cycle-time-ratio',
      figure: `cycle time / ideal (${products} x ${latencyMs} ms / ${concurrency} = ${idealMs.toFixed(0)} ms)`,
      value: median(ratios),
      runs: ratios,
      unit: 'x ideal',
      better: 'lower',
      limit: 1.15,
      target: '<= 1.15 x ideal',
      digits: 3,
    },
  ];
}
