/**
 * `npm run bench`: measures netwatch's performance figures against their
 * targets and prints one table. `npm run bench -- --quick` runs a small
 * subset in under 30 s and fails only on a regression of more than 2x against
 * bench/baseline.json (CI machines are noisy). docs/performance.md explains
 * every figure.
 *
 * Flags: --quick, --runs N (default 3; quick 1), --only id,id (figure groups:
 * startup, throughput, cycle-time, write, report, rate-limit, alert-latency,
 * memory), --write-baseline (quick mode: store this run as the baseline).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureAlertLatency } from './figures/alert-latency.js';
import { measureCycleTime } from './figures/cycle-time.js';
import { measureMemory } from './figures/memory.js';
import { ensureSeededHistory, measureOneYearReport, reportBenchAvailable } from './figures/one-year-report.js';
import { measureRateLimit } from './figures/rate-limit.js';
import { measureStartup } from './figures/startup.js';
import { measureThroughput } from './figures/throughput.js';
import { measureWriteAndStorage } from './figures/write-storage.js';
import { compileForBench } from './lib/build.js';
import { type FigureContext, type FigureRow, passes } from './lib/figure.js';
import { describeMachine, type MachineInfo } from './lib/machine.js';
import { productionNodeFlags } from './lib/node-flags.js';
import { RESULTS_DIR, ROOT } from './lib/paths.js';
import { formatNumber } from './lib/stats.js';

interface Baseline {
  note: string;
  machine: MachineInfo;
  values: Record<string, number>;
}

type Group = 'startup' | 'throughput' | 'cycle-time' | 'write' | 'report' | 'rate-limit' | 'alert-latency' | 'memory';
const FULL_GROUPS: readonly Group[] = ['startup', 'throughput', 'cycle-time', 'write', 'report', 'rate-limit', 'alert-latency', 'memory'];
const QUICK_GROUPS: readonly Group[] = ['startup', 'throughput', 'cycle-time', 'write', 'rate-limit', 'memory'];
const BASELINE_PATH = join(ROOT, 'bench', 'baseline.json');
/** The issue's order. */
const ROW_ORDER = [
  'throughput',
  'daemon-cpu-per-check',
  'cycle-time-ratio',
  'rate-limit-max-window',
  'rate-limit-achieved',
  'storage-per-check',
  'write-cost',
  'report-all-products',
  'report-one-outage-list',
  'alert-latency-p99',
  'rss',
  'rss-growth',
  'startup',
];
/** --quick fails only when a figure is this many times worse than the baseline. */
const REGRESSION_FACTOR = 2;

function formatValue(row: FigureRow): string {
  if (row.value === null) return 'not measured yet';
  return `${formatNumber(row.value, row.digits ?? 0)} ${row.unit}`;
}

function verdict(row: FigureRow): string {
  const ok = passes(row);
  return ok === null ? 'NOT MEASURED' : ok ? 'pass' : 'FAIL';
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

function markdown(rows: readonly FigureRow[]): string {
  const lines = ['| figure | measured (median) | runs | target | result |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const runs = row.runs.map((value) => formatNumber(value, row.digits ?? 0)).join(', ');
    lines.push(`| ${row.figure} | ${formatValue(row)} | ${runs || '-'} | ${row.target} | ${verdict(row)} |`);
  }
  return lines.join('\n');
}

/** Rows that are more than REGRESSION_FACTOR worse than the baseline, as messages. */
function regressions(rows: readonly FigureRow[], baseline: Baseline): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const base = baseline.values[row.id];
    // A ratio means nothing against zero or a negative baseline (RSS growth can be either).
    if (row.value === null || base === undefined || base <= 0) continue;
    const worse = row.better === 'higher' ? row.value * REGRESSION_FACTOR < base : row.value > base * REGRESSION_FACTOR;
    if (worse) out.push(`${row.id}: ${formatValue(row)} against a baseline of ${formatNumber(base, row.digits ?? 0)} ${row.unit}`);
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      'write-baseline': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const groups = values.only ? (values.only.split(',') as Group[]) : quick ? QUICK_GROUPS : FULL_GROUPS;
  const started = performance.now();
  const log = (message: string) =>
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
  const ctx: FigureContext = { quick, runs, log };
  const machineBefore = describeMachine();
  const nodeFlags = productionNodeFlags();
  log(
    `${quick ? 'quick' : 'full'} run, ${runs} run(s) per figure; ${machineBefore.cpus} CPUs (${machineBefore.cpuModel}), Node ${machineBefore.node}, ` +
      `load ${machineBefore.loadAverage.join(' ')}; daemons run with the npm start flags: ${nodeFlags.join(' ') || '(none)'}`,
  );

  const diagnostics = compileForBench();
  if (diagnostics !== '') log(`warning: the compiler reported problems (the build was emitted anyway):\n${diagnostics}`);
  log('compiled src/, migrations/ and bench/ into bench-results/build');

  const rows: FigureRow[] = [];
  const wanted = (group: Group) => groups.includes(group);
  const measure = async (group: Group, figure: () => Promise<FigureRow[]>) => {
    if (wanted(group)) rows.push(...(await figure()));
  };
  // CPU-bound figures one at a time, with nothing else of ours running: even a
  // nice-19 process beside them inflated the daemon's CPU per check by half
  // (cache and context-switch traffic).
  await measure('startup', () => measureStartup(ctx));
  await measure('throughput', () => measureThroughput(ctx));
  await measure('write', () => measureWriteAndStorage(ctx));
  // Then, at the lowest CPU priority, RSS (1M checks; memory does not depend on
  // speed) and, only when it is missing or stale, seeding the report's
  // database, beside the figures paced by timers, which use a few percent of a
  // core: cycle time, rate limit, alert latency.
  const seeded = wanted('report') && reportBenchAvailable().length === 0 ? ensureSeededHistory(ctx) : null;
  const memory = wanted('memory') ? measureMemory(ctx, 1) : Promise.resolve([]);
  const paced = await Promise.all([
    wanted('cycle-time') ? measureCycleTime(ctx) : Promise.resolve([]),
    wanted('rate-limit') ? measureRateLimit(ctx) : Promise.resolve([]),
    wanted('alert-latency') ? measureAlertLatency(ctx) : Promise.resolve([]),
  ]);
  rows.push(...paced.flat(), ...(await memory));
  // Last, alone: the report's queries.
  await measure('report', () => measureOneYearReport(ctx, seeded));
  rows.sort((a, b) => ROW_ORDER.indexOf(a.id) - ROW_ORDER.indexOf(b.id));

  const elapsed = (performance.now() - started) / 1000;
  const machine = { ...describeMachine(), loadAverageBefore: machineBefore.loadAverage, nodeFlags };
  process.stdout.write(
    `\n${table(
      ['figure', 'measured (median)', 'target', 'result'],
      rows.map((row) => [row.figure, formatValue(row), row.target, verdict(row)]),
    )}\n`,
  );
  for (const row of rows) if (row.note) process.stdout.write(`note: ${row.id}: ${row.note}\n`);
  process.stdout.write(
    `\n${elapsed.toFixed(0)} s on ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node} ${nodeFlags.join(' ')}; ` +
      `load average ${machineBefore.loadAverage.join(' ')} before, ${machine.loadAverage.join(' ')} after\n`,
  );

  mkdirSync(RESULTS_DIR, { recursive: true });
  const report = { quick, runs, elapsedSeconds: elapsed, machine, rows: rows.map((row) => ({ ...row, result: verdict(row) })) };
  writeFileSync(join(RESULTS_DIR, quick ? 'latest-quick.json' : 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, quick ? 'latest-quick.md' : 'latest.md'), `${markdown(rows)}\n`);

  if (quick) {
    if (values['write-baseline']) {
      const baseline: Baseline = {
        note: 'Written by `npm run bench -- --quick --write-baseline`. `--quick` fails when a figure is more than 2x worse than this.',
        machine: machineBefore,
        values: Object.fromEntries(
          rows.filter((row) => row.value !== null && row.value > 0).map((row) => [row.id, Number((row.value as number).toPrecision(4))]),
        ),
      };
      writeFileSync(BASELINE_PATH, `${JSON.stringify(baseline, null, 2)}\n`);
      process.stdout.write(`baseline written to bench/baseline.json\n`);
      return 0;
    }
    const baseline = JSON.parse(readFileSync(BASELINE_PATH, 'utf8')) as Baseline;
    const regressed = regressions(rows, baseline);
    if (regressed.length > 0) {
      process.stdout.write(
        `\nREGRESSION (more than ${REGRESSION_FACTOR}x worse than bench/baseline.json):\n${regressed.map((line) => `  ${line}`).join('\n')}\n`,
      );
      return 1;
    }
    process.stdout.write(`\nno figure is more than ${REGRESSION_FACTOR}x worse than bench/baseline.json\n`);
    return 0;
  }
  return rows.some((row) => passes(row) === false) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
