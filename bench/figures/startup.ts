import { startCliDaemon, waitUntil } from '../lib/cli-daemon.js';
import type { FigureContext, FigureRow } from '../lib/figure.js';
import { scratchDir, startSimulatorProcess } from '../lib/scratch.js';
import { median } from '../lib/stats.js';

/**
 * Start-up: from spawning `node .../cli/main.js run` to the first request
 * arriving at the simulator (epoch ms on both sides; loopback adds well under
 * a millisecond). Each run starts on a new database, so migrations are
 * included: the slowest start there is.
 */
export async function measureStartup(ctx: FigureContext): Promise<FigureRow[]> {
  const simulator = await startSimulatorProcess({ products: 1000, latencyMs: 0, logCapacity: 100 });
  const times: number[] = [];
  try {
    for (let run = 1; run <= ctx.runs; run++) {
      await simulator.child.call('reset');
      const dir = scratchDir(`startup-${run}`);
      const daemon = startCliDaemon(dir, { url: simulator.url, concurrency: 8, maxRequestsPerSecond: 10 });
      try {
        await waitUntil(async () => (await simulator.child.call<number>('count')) > 0, 20_000, 'the first request', 20);
        const first = (await simulator.child.call<number[]>('arrivals'))[0] as number;
        times.push(first - daemon.spawnedAtMs);
        ctx.log(`start-up run ${run}: ${(times.at(-1) as number).toFixed(0)} ms`);
      } finally {
        // The measurement is taken; a graceful drain of the cycle in flight would only cost time.
        await daemon.stop('SIGKILL');
      }
    }
  } finally {
    await simulator.child.stop();
  }
  return [
    {
      id: 'startup',
      figure: 'start-up: process start to first request',
      value: median(times),
      runs: times,
      unit: 'ms',
      better: 'lower',
      limit: 1500,
      strict: true,
      target: '< 1,500 ms',
    },
  ];
}
