/**
 * Report latency on a year of history.
 *
 *   npm run seed:history -- --products 200 --days 365      # once, about a minute and a half
 *   npx tsx bench/report-latency.ts [--db data/history-seed.db] [--runs 5] [--json]
 *
 * Times `buildReport` / `listOutages` as the CLI and the HTTP API call them,
 * on an already-open database (opening and migrating is not part of a query).
 * Each case runs once to warm the page cache, then `--runs` times; the median
 * is the figure. Targets: one-year report for all products < 200 ms, one
 * product's outage list < 50 ms.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { buildReport } from '../src/report/build-report.js';
import { listOutages } from '../src/report/list-outages.js';
import { dayStart } from '../src/report/time-buckets.js';
import { openDatabase } from '../src/store/database.js';
import type { DatabaseSchema } from '../src/store/schema-types.js';

export interface LatencyCase {
  id: string;
  label: string;
  /** Target in ms, when the issue sets one. */
  targetMs: number | null;
  runsMs: number[];
  medianMs: number;
  /** Rows returned, as a sanity check that the query did its work. */
  rows: number;
}

export interface LatencyOptions {
  db: string;
  runs: number;
  /** Epoch seconds the reports end at; default the seed's end time, else now. */
  now?: number;
}

/** Runs every case against `options.db`. Throws if the file is missing or not a seeded database. */
export async function measureReportLatency(
  options: LatencyOptions,
): Promise<{ now: number; products: number; outages: number; cases: LatencyCase[] }> {
  if (!existsSync(options.db)) throw new Error(`${options.db} not found; run: npm run seed:history -- --products 200 --days 365`);
  const store = openDatabase(options.db);
  try {
    const db = store.db;
    const seedEnd = await db.selectFrom('meta').select('value').where('key', '=', 'seed.end_at').executeTakeFirst();
    const now = options.now ?? (seedEnd ? Number(seedEnd.value) : Math.floor(Date.now() / 1000));
    const products = Number(
      (
        await db
          .selectFrom('products')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const outages = Number(
      (
        await db
          .selectFrom('outages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const flakiest = await db
      .selectFrom('outages')
      .innerJoin('products', 'products.id', 'outages.product_id')
      .select(['products.code', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('products.code')
      .orderBy('n', 'desc')
      .limit(1)
      .executeTakeFirst();
    const code = flakiest?.code ?? 'TNB';
    const yearAgo = now - 365 * 86_400;
    // A calendar year in Malaysia days: whole days, read from the daily rollup only.
    const calendarFrom = dayStart(yearAgo);
    const calendarTo = dayStart(now);

    const cases: Array<{ id: string; label: string; targetMs: number | null; run: (db: Kysely<DatabaseSchema>) => Promise<number> }> = [
      {
        id: 'report-365d-all',
        label: `report --from 365d, all ${products} products`,
        targetMs: 200,
        run: async (db) => (await buildReport(db, { from: yearAgo, to: now, now })).rows.length,
      },
      {
        id: 'report-year-days-all',
        label: `report over 365 whole Malaysia days, all products`,
        targetMs: 200,
        run: async (db) => (await buildReport(db, { from: calendarFrom, to: calendarTo, now })).rows.length,
      },
      {
        id: 'report-30d-all',
        label: 'report --from 30d, all products (raw checks for the first partial hour)',
        targetMs: 200,
        run: async (db) => (await buildReport(db, { from: now - 30 * 86_400, to: now, now })).rows.length,
      },
      {
        id: 'report-365d-one',
        label: `report --from 365d --product ${code}`,
        targetMs: 50,
        run: async (db) => (await buildReport(db, { from: yearAgo, to: now, now, products: [code] })).rows.length,
      },
      {
        id: 'outages-365d-one',
        label: `report --outages --from 365d --product ${code} (flakiest)`,
        targetMs: 50,
        run: async (db) => (await listOutages(db, { from: yearAgo, to: now, now, products: [code] })).length,
      },
      {
        id: 'outages-365d-all',
        label: 'report --outages --from 365d, all products',
        targetMs: null,
        run: async (db) => (await listOutages(db, { from: yearAgo, to: now, now })).length,
      },
    ];

    const results: LatencyCase[] = [];
    for (const c of cases) {
      let rows = await c.run(db);
      const runsMs: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        const started = performance.now();
        rows = await c.run(db);
        runsMs.push(performance.now() - started);
      }
      results.push({ id: c.id, label: c.label, targetMs: c.targetMs, runsMs, medianMs: median(runsMs), rows });
    }
    return { now, products, outages, cases: results };
  } finally {
    await store.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'data/history-seed.db' },
      runs: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = Math.max(3, Number(values.runs) || 5);
  const result = await measureReportLatency({ db: values.db, runs });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${values.db}: ${result.products} products, ${result.outages} outages; medians of ${runs} runs after one warm-up\n\n`,
  );
  for (const c of result.cases) {
    const verdict =
      c.targetMs === null ? '' : c.medianMs < c.targetMs ? `  (target < ${c.targetMs} ms: ok)` : `  (target < ${c.targetMs} ms: MISSED)`;
    process.stdout.write(
      `${c.medianMs.toFixed(1).padStart(8)} ms  ${c.label}${verdict}\n${''.padStart(13)}runs: ${c.runsMs.map((ms) => ms.toFixed(1)).join(', ')}; rows: ${c.rows}\n`,
    );
  }
  if (result.cases.some((c) => c.targetMs !== null && c.medianMs >= c.targetMs)) process.exitCode = 1;
}

// Runs only as a script, so a benchmark harness can import `measureReportLatency`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`report-latency: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
