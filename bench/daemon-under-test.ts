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
  heapUsed: number;
  external: number;
}

export interface DaemonResult {
  /** Checks in the measured cycles. */
  checks: number;
  /** Wall time of the measured cycles, ms. */
  wallMs: number;
  /** CPU time (user + system, all threads) of this process during the measured cycles, µs. */
  cpuUs: number;
  /** Duration of every cycle, warm-up included, ms (as `pollCycle` reports it). */
  cycleMs: number[];
  /** Checks that came back Unknown (any error), over all cycles. */
  unknown: number;
  errorsByKind: Record<string, number>;
  /** Rows in `checks` at the end. */
  rows: number;
  memory: MemorySample[];
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

  const rssAt = new Set(spec.rssAt ?? []);
  const result: DaemonResult = { checks: 0, wallMs: 0, cpuUs: 0, cycleMs: [], unknown: 0, errorsByKind: {}, rows: 0, memory: [] };
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  for (let cycle = 1; cycle <= spec.cycles; cycle++) {
    if (cycle === spec.warmupCycles + 1) {
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
    }
    if (spec.advanceClock && cycle > 1) offsetMs += 1000;
    const record = await app.pollCycle();
    const { summary } = record;
    result.cycleMs.push(record.finishedAtMs - record.startedAtMs);
    result.unknown += summary.unknown;
    for (const [kind, count] of Object.entries(summary.errorsByKind)) result.errorsByKind[kind] = (result.errorsByKind[kind] ?? 0) + count;
    if (cycle > spec.warmupCycles) result.checks += summary.healthy + summary.interruption + summary.unknown;
    if (rssAt.has(cycle)) {
      const memory = process.memoryUsage();
      result.memory.push({ cycle, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external });
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  result.wallMs = performance.now() - wallStart;
  result.cpuUs = cpu.user + cpu.system;
  const counted = app.store.sqlite.prepare('select count(*) as n from checks').get() as { n: number };
  result.rows = counted.n;
  await app.stop();
  process.send?.({ type: 'result', result });
  process.disconnect?.();
}

main().catch(failChild);
