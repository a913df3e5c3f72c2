import { join } from 'node:path';
import type { DaemonResult, DaemonSpec } from '../daemon-under-test.js';
import { BenchChild } from '../lib/child.js';
import type { FigureContext, FigureRow } from '../lib/figure.js';
import { productionNodeFlags } from '../lib/node-flags.js';
import { buildPath } from '../lib/paths.js';
import { scratchDir, startSimulatorProcess } from '../lib/scratch.js';
import { median } from '../lib/stats.js';

export interface DaemonRunOptions {
  name: string;
  products: number;
  latencyMs: number;
  concurrency: number;
  requestRate: number;
  cycles: number;
  warmupCycles: number;
  advanceClock: boolean;
  rssAt?: number[];
  /** Node flags for the daemon on top of production's (`npm start`), e.g. `--cpu-prof`. */
  execArgv?: string[];
  /** CPU niceness for the daemon and its simulator (19: background, yields to everything else). */
  niceness?: number;
}

export interface DaemonRun {
  result: DaemonResult;
  /** Simulator CPU (µs) over the whole daemon run, warm-up included. */
  simulatorCpuUs: number;
  /** Requests the simulator answered over the whole run. */
  simulatorRequests: number;
  dir: string;
}

/**
 * One daemon-under-test process against one simulator process, both fresh.
 * Throws if any check failed or a row went missing: a throughput of errors
 * would be meaningless.
 */
export async function runDaemon(options: DaemonRunOptions): Promise<DaemonRun> {
  const dir = scratchDir(options.name);
  // The daemon's clock runs ahead one second per cycle (see daemon-under-test), so the
  // simulator accepts timestamps up to a day off instead of 300 s.
  const simulator = await startSimulatorProcess({ products: options.products, latencyMs: options.latencyMs, maxSkewSeconds: 86_400 });
  if (options.niceness !== undefined) simulator.child.setNiceness(options.niceness);
  try {
    await simulator.child.call('cpu');
    const spec: DaemonSpec = {
      url: simulator.url,
      database: join(dir, 'netwatch.db'),
      concurrency: options.concurrency,
      requestRate: options.requestRate,
      cycles: options.cycles,
      warmupCycles: options.warmupCycles,
      advanceClock: options.advanceClock,
      ...(options.rssAt ? { rssAt: options.rssAt } : {}),
    };
    const daemon = new BenchChild(buildPath('bench', 'daemon-under-test.js'), {
      args: [JSON.stringify(spec)],
      execArgv: [...productionNodeFlags(), ...(options.execArgv ?? [])],
    });
    if (options.niceness !== undefined) daemon.setNiceness(options.niceness);
    const message = await daemon.next('result', 600_000);
    await daemon.exited;
    const result = message.result as DaemonResult;
    const simulatorCpuUs = await simulator.child.call<number>('cpu');
    const simulatorRequests = await simulator.child.call<number>('count');
    if (result.unknown > 0) throw new Error(`${options.name}: ${result.unknown} checks failed: ${JSON.stringify(result.errorsByKind)}`);
    if (options.advanceClock && result.rows !== options.products * options.cycles) {
      throw new Error(`${options.name}: expected ${options.products * options.cycles} check rows, found ${result.rows}`);
    }
    return { result, simulatorCpuUs, simulatorRequests, dir };
  } finally {
    await simulator.child.stop();
  }
}

/**
 * End-to-end throughput and daemon CPU per check: 2,000 products, simulator
 * at 0 ms latency, request limiter off, cycles back to back. Throughput is
 * checks over the wall time of the measured cycles (signing, HTTP, parsing,
 * state machine and the committed DB write, since a cycle ends with its
 * flush); CPU is the daemon process's user + system time over the same
 * cycles, all threads, divided by checks.
 */
export async function measureThroughput(ctx: FigureContext): Promise<FigureRow[]> {
  const products = 2000;
  const warmupCycles = ctx.quick ? 2 : 3;
  const measured = ctx.quick ? 3 : 8;
  const throughput: number[] = [];
  const cpu: number[] = [];
  const simulatorCpu: number[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    const { result, simulatorCpuUs, simulatorRequests } = await runDaemon({
      name: `throughput-${run}`,
      products,
      latencyMs: 0,
      concurrency: 32,
      requestRate: 0,
      cycles: warmupCycles + measured,
      warmupCycles,
      advanceClock: true,
    });
    throughput.push(result.checks / (result.wallMs / 1000));
    cpu.push(result.cpuUs / result.checks);
    simulatorCpu.push(simulatorCpuUs / simulatorRequests);
    ctx.log(
      `throughput run ${run}: ${Math.round(throughput.at(-1) as number)} checks/s, daemon ${(cpu.at(-1) as number).toFixed(1)} µs CPU/check, simulator ${(simulatorCpu.at(-1) as number).toFixed(1)} µs CPU/request`,
    );
  }
  return [
    {
      id: 'throughput',
      figure: 'end-to-end throughput (2,000 products, 0 ms, no rate limit)',
      value: median(throughput),
      runs: throughput,
      unit: 'checks/s',
      better: 'higher',
      limit: 10_000,
      target: '>= 10,000 checks/s',
    },
    {
      id: 'daemon-cpu-per-check',
      figure: 'daemon CPU per check',
      value: median(cpu),
      runs: cpu,
      unit: 'µs',
      better: 'lower',
      limit: 100,
      target: '<= 100 µs',
      digits: 1,
      note: `simulator CPU per request (its own process, not charged to the daemon): median ${median(simulatorCpu).toFixed(1)} µs`,
    },
  ];
}
