import type { FigureContext, FigureRow } from '../lib/figure.js';
import { median } from '../lib/stats.js';
import { runDaemon } from './throughput.js';

/**
 * Cycle time against the ideal: 500 products, simulator at 50 ms per
 * response, concurrency 16, no request limit. The ideal is 500 x 50 ms / 16;
 * the figure is the measured cycle (pollCycle's own duration: product list,
 * requests, state machine and the final committed flush) divided by it. One
 * daemon process runs a warm-up cycle (connections, product list), then one
 * measured cycle per run, back to back.
 */
export async function measureCycleTime(ctx: FigureContext): Promise<FigureRow[]> {
  const products = ctx.quick ? 160 : 500;
  const latencyMs = 50;
  const concurrency = 16;
  const idealMs = (products * latencyMs) / concurrency;
  // One daemon: the first cycle opens the connections and lists the products;
  // the next `runs` cycles are the measurements.
  const { result } = await runDaemon({
    name: 'cycle-time',
    products,
    latencyMs,
    concurrency,
    requestRate: 0,
    cycles: 1 + ctx.runs,
    warmupCycles: 1,
    advanceClock: false,
    // It runs beside the background RSS run: ahead of it, and of unrelated load
    // (best effort), since a cycle's length is set by when each answer is read.
    niceness: -10,
  });
  const ratios = result.cycleMs.slice(1).map((ms) => ms / idealMs);
  result.cycleMs.slice(1).forEach((ms, i) => {
    ctx.log(`cycle time run ${i + 1}: ${ms} ms for ${products} products (ideal ${idealMs.toFixed(0)} ms, ${(ms / idealMs).toFixed(3)}x)`);
  });
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
