/**
 * Child-process entry: the real App (config parsing, SQLite store, recorder,
 * outbox) with the real IIMMPACT client, against a simulator in another
 * process. It runs `cycles` poll cycles back to back, the fastest schedule
 * possible, and reports counters, CPU time and memory over IPC.
 *
 * argv[2] is a JSON `DaemonSpec`. The only departures from `netwatch run`:
 * - cycles are started by this loop instead of node-cron (whose finest
 *   schedule is one per second);
 * - with `advanceClock`, the daemon's clock moves one second further per
 *   cycle, so every cycle's checks land in their own second and are really
 *   inserted: `checks` is keyed by (checked_at, product_id), and back-to-back
 *   cycles inside one real second would otherwise hit the conflict clause;
 * - with `requestRate: 0` the request limiter is off.
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { App } from '../src/app.js';
import { type Config, parseConfigText } from '../src/config/load-config.js';
import type { Clock } from '../src/shared/clock.js';
import { failChild } from './lib/child.js';
import { daemonConfigYaml, daemonEnv } from './lib/daemon-config.js';

export interface DaemonSpec {
  url: string;
  database: string;
  concurrency: number;
  /** Requests per second; 0 turns the limiter off. */
  requestRate: number;
  cycles: number;
  /** Cycles before the measured ones (JIT warm-up, connections, baseline confirmation). */
  warmupCycles: number;
  advanceClock: boolean;
  /** Report memory after these cycle numbers (1-based). */
  rssAt?: number[];
}

export interface MemorySample {
  cycle: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  /** Committed bytes of V8's young generation (semi-spaces). */
  newSpace: number;
}

export interface DaemonResult {
  /** Checks in the measured cycles. */
  checks: number;
  /** Wall time of the measured cycles, ms. */
  wallMs: number;
  /** CPU time (user + system, all threads) of this process during the measured cycles, µs. */
  cpuUs: number;
  /** The system (kernel) part of `cpuUs`: socket reads and writes, file writes. */
  systemCpuUs: number;
  /** Duration of every cycle, warm-up included, ms (as `pollCycle` reports it). */
  cycleMs: number[];
  /** Checks that came back Unknown (any error), over all cycles. */
  unknown: number;
  errorsByKind: Record<string, number>;
  /** Rows in `checks` at the end. */
  rows: number;
  memory: MemorySample[];
  /** With NETWATCH_BENCH_SMAPS=1: resident kB by mapping (from /proc/self/smaps) at the end, largest first. */
  smaps?: Array<{ mapping: string; rssKb: number }>;
}

/** Resident memory by mapping name, for finding what besides the V8 heap holds RSS. Linux only. */
function residentByMapping(): Array<{ mapping: string; rssKb: number }> {
  const totals = new Map<string, number>();
  let current = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = header[1] === '' ? '[anonymous]' : (header[1] as string).replace(/.*node_modules\//, 'node_modules/');
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) totals.set(current, (totals.get(current) ?? 0) + Number(rss[1]));
  }
  return [...totals]
    .map(([mapping, rssKb]) => ({ mapping, rssKb }))
    .sort((a, b) => b.rssKb - a.rssKb)
    .slice(0, 12);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as DaemonSpec;
  const yaml = daemonConfigYaml({
    url: spec.url,
    database: spec.database,
    concurrency: spec.concurrency,
    maxRequestsPerSecond: spec.requestRate === 0 ? 100_000 : spec.requestRate,
  });
  let config: Config = parseConfigText(yaml, 'bench', { env: daemonEnv(), requireCredentials: true });
  if (spec.requestRate === 0) config = Object.freeze({ ...config, requestRate: 0 });

  let offsetMs = 0;
  const clock: Clock = { now: () => Date.now() + offsetMs };
  const app = new App(config, { clock });
  await app.open();

  // Like the Scheduler: every cycle gets the daemon's abort signal, which every
  // request and limiter wait listens on.
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const rssAt = new Set(spec.rssAt ?? []);
  const result: DaemonResult = { checks: 0, wallMs: 0, cpuUs: 0, systemCpuUs: 0, cycleMs: [], unknown: 0, errorsByKind: {}, rows: 0, memory: [] };
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  for (let cycle = 1; cycle <= spec.cycles; cycle++) {
    if (cycle === spec.warmupCycles + 1) {
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
    }
    if (spec.advanceClock && cycle > 1) offsetMs += 1000;
    const record = await app.pollCycle(controller.signal);
    const { summary } = record;
    result.cycleMs.push(record.finishedAtMs - record.startedAtMs);
    result.unknown += summary.unknown;
    for (const [kind, count] of Object.entries(summary.errorsByKind)) result.errorsByKind[kind] = (result.errorsByKind[kind] ?? 0) + count;
    if (cycle > spec.warmupCycles) result.checks += summary.healthy + summary.interruption + summary.unknown;
    if (rssAt.has(cycle)) {
      // Diagnosis only (--expose-gc): the figure itself never forces a collection.
      (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
      result.memory.push({
        cycle,
        rss: memory.rss,
        heapTotal: memory.heapTotal,
        heapUsed: memory.heapUsed,
        external: memory.external,
        newSpace,
      });
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  result.wallMs = performance.now() - wallStart;
  result.cpuUs = cpu.user + cpu.system;
  result.systemCpuUs = cpu.system;
  if (process.env.NETWATCH_BENCH_SMAPS === '1') result.smaps = residentByMapping();
  const counted = app.store.sqlite.prepare('select count(*) as n from checks').get() as { n: number };
  result.rows = counted.n;
  await app.stop();
  process.send?.({ type: 'result', result });
  process.disconnect?.();
}

main().catch(failChild);
