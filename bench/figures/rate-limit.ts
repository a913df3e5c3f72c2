import { startCliDaemon, waitUntil } from '../lib/cli-daemon.js';
import type { FigureContext, FigureRow } from '../lib/figure.js';
import { scratchDir, startSimulatorProcess } from '../lib/scratch.js';
import { maxInWindow, median } from '../lib/stats.js';

interface RateRun {
  maxInOneSecond: number;
  ratePerSecond: number;
  requests: number;
}

/**
 * One `netwatch run` polling `products` products at 20 requests/s against its
 * own simulator; the arrival times the simulator logged are the evidence.
 * The run ends when the first cycle's requests (product list included) have
 * all arrived.
 */
async function rateRun(name: string, products: number, rate: number): Promise<RateRun> {
  const dir = scratchDir(name);
  const simulator = await startSimulatorProcess({ products, latencyMs: 0, logCapacity: products + 100 });
  const daemon = startCliDaemon(dir, { url: simulator.url, concurrency: 8, maxRequestsPerSecond: rate });
  // Both ahead of unrelated load on a shared machine (best effort; needs the
  // privilege): a 20-30 ms scheduling stall of either process moves one
  // arrival time by more than the limiter's 20 ms margin, and a real server
  // stamps arrivals in its own kernel, not after our scheduler lets it run.
  simulator.child.setNiceness(-10);
  daemon.setNiceness(-10);
  try {
    const expected = products + 1;
    await waitUntil(
      async () => (await simulator.child.call<number>('count')) >= expected,
      ((products / rate) * 1.5 + 20) * 1000,
      `${expected} requests`,
      500,
    );
    const arrivals = (await simulator.child.call<number[]>('arrivals')).slice(0, expected);
    const first = arrivals[0] as number;
    const last = arrivals[arrivals.length - 1] as number;
    return {
      maxInOneSecond: maxInWindow(arrivals, 1000),
      ratePerSecond: ((arrivals.length - 1) * 1000) / (last - first),
      requests: arrivals.length,
    };
  } finally {
    await daemon.stop();
    await simulator.child.stop();
  }
}

/**
 * Rate-limit accuracy: 1,000 products at 20 requests/s, measured where it
 * matters, at the server. The largest number of arrivals in any 1 s window
 * (half-open, sliding over every arrival) and the achieved rate (arrivals - 1
 * over the time from first to last). A run is I/O-paced and uses a few
 * percent of one core, so the runs go side by side, each daemon with its own
 * simulator (one IP each, as far as the limit is concerned).
 */
export async function measureRateLimit(ctx: FigureContext): Promise<FigureRow[]> {
  const products = ctx.quick ? 100 : 1000;
  const rate = 20;
  const runs = await Promise.all(Array.from({ length: ctx.runs }, (_, i) => rateRun(`rate-limit-${i + 1}`, products, rate)));
  runs.forEach((run, i) => {
    ctx.log(
      `rate limit run ${i + 1}: ${run.requests} requests, max ${run.maxInOneSecond} in any 1 s, ${run.ratePerSecond.toFixed(2)}/s achieved`,
    );
  });
  const windows = runs.map((run) => run.maxInOneSecond);
  const rates = runs.map((run) => run.ratePerSecond);
  return [
    {
      id: 'rate-limit-max-window',
      figure: `rate limit: most requests in any 1 s (${products} products at ${rate}/s)`,
      value: Math.max(...windows),
      runs: windows,
      unit: 'requests',
      better: 'lower',
      limit: rate,
      target: `<= ${rate} (worst run)`,
    },
    {
      id: 'rate-limit-achieved',
      figure: 'rate limit: achieved rate',
      value: median(rates),
      runs: rates,
      unit: '/s',
      better: 'higher',
      limit: 19.5,
      target: '>= 19.5/s',
      digits: 2,
    },
  ];
}
