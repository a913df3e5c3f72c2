/**
 * `npm run seed:history -- --products 200 --days 365 [--retention-days 90] [--out data/history-seed.db] [--seed 1]`
 *
 * Builds a database holding `days` of one-minute checks for `products`
 * products, the way the daemon would have left it after that long with
 * `retention.checksDays = retention-days`: outages and rollups for the whole
 * period, raw checks only for the last `retention-days`.
 *
 * Nothing goes through SQL one check at a time: each product's statuses are
 * generated in memory, outages come from the real state machine, rollups
 * from the same coverage rules as `rollup --rebuild` (so a rebuild on the
 * seeded file reproduces them), and the rows are bulk-inserted.
 *
 * Patterns: most products are stable (an outage every couple of months), a
 * quarter have one every week or two, a few are flaky (several a day, short);
 * outages last from 2 minutes to several hours. Every product sees occasional
 * API errors (Unknown) and lone unconfirmed Interruption blips, and the daemon
 * itself is down for a few minutes about twice a month (no checks at all).
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../src/domain/product-state.js';
import { STATUS_CODE, STATUS_FROM_CODE } from '../src/domain/status.js';
import { transition } from '../src/domain/transition.js';
import { attributeSpan, coverageCapForInterval, type SecondsField, type TotalsSink } from '../src/report/coverage.js';
import { dayStart, HOUR_SECONDS } from '../src/report/time-buckets.js';
import { migrateToLatest, openDatabase } from '../src/store/database.js';
import { productStateColumns } from '../src/store/state-repository.js';

export interface SeedOptions {
  products: number;
  days: number;
  retentionDays: number;
  out: string;
  seed: number;
  /** Epoch seconds at which the history ends; default now. */
  endAt?: number;
  log?: (line: string) => void;
}

export interface SeedSummary {
  out: string;
  startAt: number;
  endAt: number;
  checksModelled: number;
  rawChecks: number;
  outages: number;
  hourlyRows: number;
  dailyRows: number;
  seconds: number;
}

const NO_CHECK = 255;
const H = STATUS_CODE.Healthy;
const I = STATUS_CODE.Interruption;
const U = STATUS_CODE.Unknown;
const CONFIRM_AFTER = 2;
const REAL_CODES = [
  'TNB',
  'SYABAS',
  'ASTRO',
  'UNIFI',
  'CELCOM',
  'DIGI',
  'MAXIS',
  'UMOBILE',
  'INDAHWATER',
  'AIRSELANGOR',
  'SESB',
  'SAJ',
  'PBAPP',
  'LAKU',
];

/** Generates the database. Overwrites `out`. Throws on I/O errors. */
export async function seedHistory(options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const random = mulberry32(options.seed);
  const endAt = Math.floor((options.endAt ?? Date.now() / 1000) / 60) * 60;
  const minutes = options.days * 1440;
  const startAt = endAt - minutes * 60;
  const rawFromMinute = Math.max(0, minutes - options.retentionDays * 1440);
  const cap = coverageCapForInterval(60);
  const hours = Math.ceil((minutes * 60) / HOUR_SECONDS) + 1;
  const firstHour = Math.floor(startAt / HOUR_SECONDS) * HOUR_SECONDS;

  for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.out}${suffix}`, { force: true });
  const store = openDatabase(options.out);
  await migrateToLatest(store.db);
  const sqlite = store.sqlite;
  // A throwaway bulk load: no journal, no fsync. WAL is restored at the end.
  sqlite.pragma('journal_mode = MEMORY');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');

  // The daemon itself is down now and then: minutes with no check for anyone.
  const daemonDown = new Uint8Array(minutes);
  for (let k = 0; k < Math.round((options.days / 30) * 2); k++) {
    const at = Math.floor(random() * minutes);
    const length = 3 + Math.floor(random() * 25);
    daemonDown.fill(1, at, Math.min(minutes, at + length));
  }

  sqlite.prepare('insert into error_texts (id, text) values (1, ?)').run('timeout after 10000 ms');
  sqlite.prepare('insert or replace into meta (key, value) values (?, ?)').run('history.coverage_cap_seconds', String(cap));
  const insertProduct = sqlite.prepare('insert into products (id, code, name, img, first_seen_at) values (?, ?, ?, null, ?)');
  const insertOutage = sqlite.prepare(
    'insert into outages (product_id, started_at, confirmed_at, ended_at, recovery_confirmed_at) values (?, ?, ?, ?, ?)',
  );
  const insertHour = sqlite.prepare(
    'insert into rollup_hourly (product_id, hour_start, healthy_checks, interruption_checks, unknown_checks, healthy_s, interruption_s) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertDay = sqlite.prepare(
    'insert into rollup_daily (product_id, day_start, healthy_checks, interruption_checks, unknown_checks, healthy_s, interruption_s) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertCursor = sqlite.prepare(
    'insert into rollup_cursor (product_id, attributed_from, last_checked_at, last_status, in_outage) values (?, ?, ?, ?, ?)',
  );
  const stateColumns = Object.keys(productStateColumns(INITIAL_PRODUCT_STATE));
  const insertState = sqlite.prepare(
    `insert into product_state (product_id, ${stateColumns.join(', ')}, last_checked_at, last_status, last_http_status, last_error_id)
     values (?, ${stateColumns.map(() => '?').join(', ')}, ?, ?, ?, ?)`,
  );

  const rawStatuses: Uint8Array[] = [];
  const offsets: number[] = [];
  let checksModelled = 0;
  let outageCount = 0;
  let hourlyRows = 0;
  let dailyRows = 0;

  for (let p = 0; p < options.products; p++) {
    const productId = p + 1;
    const code = p < REAL_CODES.length ? (REAL_CODES[p] as string) : `BILLER${String(p + 1).padStart(3, '0')}`;
    // Products are polled at 10 req/s within each minute's cycle.
    const offset = Math.floor((p * 50) / options.products);
    offsets.push(offset);
    const statuses = generateStatuses(minutes, random, p, daemonDown);

    // Pass 1: outages from the real state machine (most checks change nothing, so skip those).
    let state: ProductState = INITIAL_PRODUCT_STATE;
    const outages: { start: number; confirmed: number; end: number | null; recovered: number | null }[] = [];
    let lastAt = -1;
    let lastStatus = H;
    for (let m = 0; m < minutes; m++) {
      const status = statuses[m] as number;
      if (status === NO_CHECK) continue;
      const at = startAt + m * 60 + offset;
      lastAt = at;
      lastStatus = status;
      checksModelled += 1;
      if (status === H && state.confirmed === 'Healthy' && state.streak === null && state.unknownSince === null) continue;
      const result = transition(state, STATUS_FROM_CODE[status] ?? 'Unknown', at, CONFIRM_AFTER);
      state = result.next;
      for (const event of result.events) {
        if (event.type === 'outage_opened')
          outages.push({ start: event.startedAt, confirmed: event.confirmedAt, end: null, recovered: null });
        if (event.type === 'outage_closed') {
          const open = outages[outages.length - 1];
          if (open) {
            open.end = event.endedAt;
            open.recovered = event.confirmedAt;
          }
        }
      }
    }

    // Pass 2: rollups by the coverage rules, with the final outages (boundaries fall on check times).
    const totals = new HourTotalsArrays(firstHour, hours);
    let prevAt = -1;
    let prevStatus = H;
    let outageIndex = 0;
    for (let m = 0; m < minutes; m++) {
      const status = statuses[m] as number;
      if (status === NO_CHECK) continue;
      const at = startAt + m * 60 + offset;
      if (prevAt >= 0) {
        while (outageIndex < outages.length && (outages[outageIndex]?.end ?? Number.POSITIVE_INFINITY) <= prevAt) outageIndex++;
        const outage = outages[outageIndex];
        const inOutage = outage !== undefined && outage.start <= prevAt && prevAt < (outage.end ?? Number.POSITIVE_INFINITY);
        attributeSpan(totals, prevAt, at, cap, prevStatus, inOutage);
      }
      totals.addCheck(at, status);
      prevAt = at;
      prevStatus = status;
    }

    sqlite.transaction(() => {
      insertProduct.run(productId, code, p < REAL_CODES.length ? `${code} bill payment` : `Biller ${p + 1}`, startAt);
      for (const o of outages) insertOutage.run(productId, o.start, o.confirmed, o.end, o.recovered);
      const days = new Map<number, number[]>();
      for (let h = 0; h < hours; h++) {
        const row = totals.row(h);
        if (row === null) continue;
        const hourStart = firstHour + h * HOUR_SECONDS;
        insertHour.run(productId, hourStart, ...row);
        hourlyRows += 1;
        const day = dayStart(hourStart);
        const sum = days.get(day) ?? days.set(day, [0, 0, 0, 0, 0]).get(day)!;
        for (let k = 0; k < 5; k++) sum[k] = (sum[k] as number) + (row[k] as number);
      }
      for (const [day, sum] of [...days].sort((a, b) => a[0] - b[0])) {
        insertDay.run(productId, day, ...sum);
        dailyRows += 1;
      }
      if (lastAt >= 0) {
        insertCursor.run(productId, startAt + offset, lastAt, lastStatus, state.confirmed === 'Interruption' ? 1 : 0);
        insertState.run(
          productId,
          ...Object.values(productStateColumns(state)),
          lastAt,
          lastStatus,
          lastStatus === U ? null : 200,
          lastStatus === U ? 1 : null,
        );
      }
    })();
    outageCount += outages.length;
    rawStatuses.push(statuses.slice(rawFromMinute));
    if ((p + 1) % 20 === 0 || p + 1 === options.products) log(`  products ${p + 1}/${options.products}: ${outageCount} outages so far`);
  }

  // Raw checks for the retention window only, in primary-key order (time, then product) so pages fill sequentially.
  const ROWS = 100;
  const insertMany = sqlite.prepare(
    `insert into checks (checked_at, product_id, status, latency_ms, http_status, error_id, source_updated_at) values ${Array.from({ length: ROWS }, () => '(?, ?, ?, ?, ?, nullif(?, 0), null)').join(', ')}`,
  );
  const insertOne = sqlite.prepare(
    'insert into checks (checked_at, product_id, status, latency_ms, http_status, error_id, source_updated_at) values (?, ?, ?, ?, ?, nullif(?, 0), null)',
  );
  let rawChecks = 0;
  const buffer: Array<number | null> = [];
  const flushRows = (all: boolean) => {
    while (buffer.length >= ROWS * 6) {
      insertMany.run(...buffer.splice(0, ROWS * 6));
    }
    if (all) {
      for (let i = 0; i < buffer.length; i += 6) insertOne.run(...buffer.slice(i, i + 6));
      buffer.length = 0;
    }
  };
  const rawMinutes = minutes - rawFromMinute;
  const minutesPerTransaction = 720;
  for (let m0 = 0; m0 < rawMinutes; m0 += minutesPerTransaction) {
    sqlite.transaction(() => {
      for (let m = m0; m < Math.min(rawMinutes, m0 + minutesPerTransaction); m++) {
        const base = startAt + (rawFromMinute + m) * 60;
        for (let p = 0; p < options.products; p++) {
          const status = (rawStatuses[p] as Uint8Array)[m] as number;
          if (status === NO_CHECK) continue;
          const unknown = status === U;
          // http_status as the schema stores it: NULL for 200, 0 for no response (a timeout).
          // error_id 0 stands for "none" (NULL) so every row has one statement shape.
          buffer.push(
            base + (offsets[p] as number),
            p + 1,
            status,
            unknown ? 10_000 : 80 + Math.floor(random() * 400),
            unknown ? 0 : null,
            unknown ? 1 : 0,
          );
          rawChecks += 1;
        }
        flushRows(false);
      }
      flushRows(true);
    })();
    if ((m0 / minutesPerTransaction) % 20 === 0) log(`  raw checks: day ${Math.floor(m0 / 1440) + 1}/${Math.ceil(rawMinutes / 1440)}`);
  }

  const prunedBefore = startAt + rawFromMinute * 60;
  const setMeta = sqlite.prepare('insert or replace into meta (key, value) values (?, ?)');
  if (rawFromMinute > 0) setMeta.run('retention.pruned_before', String(prunedBefore));
  setMeta.run('seed.end_at', String(endAt));
  setMeta.run(
    'seed.summary',
    JSON.stringify({ products: options.products, days: options.days, retentionDays: options.retentionDays, seed: options.seed }),
  );
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('journal_mode = WAL');
  sqlite.exec('analyze');
  await store.close();

  return {
    out: options.out,
    startAt,
    endAt,
    checksModelled,
    rawChecks,
    outages: outageCount,
    hourlyRows,
    dailyRows,
    seconds: (performance.now() - started) / 1000,
  };
}

type Profile = { outagesPerDay: number; minMinutes: number; maxMinutes: number };

/** One product's status per minute (NO_CHECK where the daemon was down). */
function generateStatuses(minutes: number, random: () => number, index: number, daemonDown: Uint8Array): Uint8Array {
  const statuses = new Uint8Array(minutes).fill(H);
  const roll = random();
  // Stable, normal, or flaky; the first few real codes get one of each for demos.
  const profile: Profile =
    roll < 0.04 || index === 2
      ? { outagesPerDay: 2 + random() * 4, minMinutes: 2, maxMinutes: 40 }
      : roll < 0.3 || index === 0
        ? { outagesPerDay: 1 / (7 + random() * 14), minMinutes: 3, maxMinutes: 360 }
        : { outagesPerDay: 1 / (30 + random() * 90), minMinutes: 5, maxMinutes: 240 };
  const days = minutes / 1440;
  const place = (count: number, fill: (at: number) => void) => {
    for (let k = 0; k < count; k++) fill(Math.floor(random() * minutes));
  };
  place(Math.round(days * profile.outagesPerDay), (at) => {
    // Log-uniform duration: many short outages, a few long ones.
    const length = Math.round(profile.minMinutes * (profile.maxMinutes / profile.minMinutes) ** random());
    statuses.fill(I, at, Math.min(minutes, at + length));
  });
  // API errors: about one short burst of Unknown a day.
  place(Math.round(days * (0.5 + random())), (at) => statuses.fill(U, at, Math.min(minutes, at + 1 + Math.floor(random() * 5))));
  // A lone Interruption that never confirms: every few days.
  place(Math.round(days / (2 + random() * 5)), (at) => {
    if (statuses[at] === H) statuses[at] = I;
    if (at + 1 < minutes && statuses[at + 1] === I) statuses[at + 1] = H;
  });
  for (let m = 0; m < minutes; m++) if (daemonDown[m] === 1) statuses[m] = NO_CHECK;
  return statuses;
}

/** Hourly totals in typed arrays: the hot path handles ~100 million checks. */
class HourTotalsArrays implements TotalsSink {
  private readonly counts: Int32Array[];
  private readonly healthyS: Float64Array;
  private readonly interruptionS: Float64Array;

  constructor(
    private readonly firstHour: number,
    hours: number,
  ) {
    this.counts = [new Int32Array(hours), new Int32Array(hours), new Int32Array(hours)];
    this.healthyS = new Float64Array(hours);
    this.interruptionS = new Float64Array(hours);
  }

  addSeconds(from: number, to: number, field: SecondsField, sign = 1): void {
    const target = field === 'healthyS' ? this.healthyS : this.interruptionS;
    let start = from;
    while (start < to) {
      const h = Math.floor((start - this.firstHour) / HOUR_SECONDS);
      const end = Math.min(to, this.firstHour + (h + 1) * HOUR_SECONDS);
      target[h] = (target[h] as number) + sign * (end - start);
      start = end;
    }
  }

  addCheck(at: number, status: number): void {
    const h = Math.floor((at - this.firstHour) / HOUR_SECONDS);
    const counts = this.counts[status] as Int32Array;
    counts[h] = (counts[h] as number) + 1;
  }

  /** [healthy, interruption, unknown checks, healthy_s, interruption_s], or null when all zero. */
  row(h: number): number[] | null {
    const row = [
      this.counts[H]?.[h] ?? 0,
      this.counts[I]?.[h] ?? 0,
      this.counts[U]?.[h] ?? 0,
      this.healthyS[h] ?? 0,
      this.interruptionS[h] ?? 0,
    ];
    return row.every((value) => value === 0) ? null : row;
  }
}

/** A small, fast, seeded PRNG, so a seed reproduces the same database. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      products: { type: 'string', default: '200' },
      days: { type: 'string', default: '365' },
      'retention-days': { type: 'string', default: '90' },
      out: { type: 'string', default: 'data/history-seed.db' },
      seed: { type: 'string', default: '1' },
    },
  });
  const numbers = {
    products: Number(values.products),
    days: Number(values.days),
    retentionDays: Number(values['retention-days']),
    seed: Number(values.seed),
  };
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isInteger(value) || value < (name === 'seed' ? 0 : 1)) {
      process.stderr.write(`seed-history: --${name}: expected a positive whole number\n`);
      process.exitCode = 2;
      return;
    }
  }
  process.stdout.write(
    `Seeding ${values.out}: ${numbers.products} products x ${numbers.days} days of one-minute checks (raw checks for the last ${numbers.retentionDays} days)\n`,
  );
  const summary = await seedHistory({ ...numbers, out: values.out, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(
    `Done in ${summary.seconds.toFixed(1)} s: ${summary.checksModelled.toLocaleString('en')} checks modelled, ` +
      `${summary.rawChecks.toLocaleString('en')} raw checks kept, ${summary.outages.toLocaleString('en')} outages, ` +
      `${summary.hourlyRows.toLocaleString('en')} hourly and ${summary.dailyRows.toLocaleString('en')} daily rollup rows.\n` +
      `Try: netwatch --config <a config with database: ${values.out}> report --from 365d --sort uptime\n`,
  );
}

// Runs only as a script, so tests can import `seedHistory` without side effects.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  void main();
}
