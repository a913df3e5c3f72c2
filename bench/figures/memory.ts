import type { FigureContext, FigureRow } from '../lib/figure.js';
import { median } from '../lib/stats.js';
import { runDaemon } from './throughput.js';

/**
 * Daemon RSS: 1,000 products, 1,000 cycles back to back (the fastest
 * schedule), sampled with process.memoryUsage() after cycles 200 and 1,000.
 * RSS is the whole process (V8 heap, SQLite's page cache, buffers, code).
 * The quick mode runs 50 cycles and samples after 10 and 50. One run: 1M
 * checks take the daemon over two minutes, so it runs once, at the lowest CPU
 * priority, beside the timer-paced figures.
 */
export async function measureMemory(ctx: FigureContext, runs: number): Promise<FigureRow[]> {
  const cycles = ctx.quick ? 50 : 1000;
  const early = ctx.quick ? 10 : 200;
  const finals: number[] = [];
  const growths: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const { result } = await runDaemon({
      name: `memory-${run}`,
      products: 1000,
      latencyMs: 0,
      concurrency: 32,
      requestRate: 0,
      cycles,
      warmupCycles: 0,
      advanceClock: true,
      rssAt: [1, early, Math.round((early + cycles) / 2), cycles],
      // RSS does not depend on speed: this run yields to the timer-paced
      // figures that run beside it.
      niceness: 19,
    });
    const at = (cycle: number) => result.memory.find((sample) => sample.cycle === cycle)?.rss ?? Number.NaN;
    finals.push(at(cycles) / 1e6);
    growths.push((at(cycles) - at(early)) / 1e6);
    ctx.log(
      `memory run ${run}: RSS ${result.memory.map((s) => `${(s.rss / 1e6).toFixed(1)} MB @${s.cycle}`).join(', ')}; heap ${(result.memory.at(-1)?.heapUsed ?? 0) / 1e6 > 0 ? ((result.memory.at(-1)?.heapUsed ?? 0) / 1e6).toFixed(1) : '?'} MB`,
    );
  }
  return [
    {
      id: 'rss',
      figure: `daemon RSS after ${cycles.toLocaleString('en-US')} cycles of 1,000 products`,
      value: median(finals),
      runs: finals,
      unit: 'MB',
      better: 'lower',
      limit: 120,
      strict: true,
      target: '< 120 MB',
      digits: 1,
    },
    // Growth over the quick run's 40 cycles says nothing: only the full run reports it.
    ...(ctx.quick
      ? []
      : ([
          {
            id: 'rss-growth',
            figure: `daemon RSS growth, cycle ${early} to ${cycles.toLocaleString('en-US')}`,
            value: median(growths),
            runs: growths,
            unit: 'MB',
            better: 'lower',
            limit: 5,
            strict: true,
            target: '< 5 MB',
            digits: 1,
          },
        ] satisfies FigureRow[])),
  ];
}
