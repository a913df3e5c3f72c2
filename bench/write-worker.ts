/**
 * Child-process entry for the write-cost and storage figures: synthetic
 * observations, one batch per cycle of `products` checks, written either the
 * way the daemon writes them (App -> CheckRecorder -> writeCheckBatch with
 * the batch extensions the App wires: alert policy, rollups) or by the batch
 * writer alone (check rows and product state, no extensions). Then,
 * optionally, VACUUM and dbstat.
 *
 * argv[2] is a JSON `WriteSpec`. Only the write is timed: building the
 * observations and running the state machine happen outside the clock.
 */
import { App } from '../src/app.js';
import { parseConfigText } from '../src/config/load-config.js';
import { transition } from '../src/domain/transition.js';
import { type RecordedCheck, writeCheckBatch } from '../src/store/check-batch-writer.js';
import { failChild } from './lib/child.js';
import { daemonConfigYaml, daemonEnv } from './lib/daemon-config.js';
import { createRandom, SyntheticObservations } from './lib/synthetic-checks.js';

export interface WriteSpec {
  database: string;
  products: number;
  cycles: number;
  /** Cycles written first and not timed (JIT and caches warm up, as in a daemon that has been running). */
  warmupCycles?: number;
  /** Seconds between cycles (the schedule). */
  cadenceSeconds: number;
  seed: number;
  /** `app`: through the App's recorder, extensions included; `core`: writeCheckBatch with no extensions. */
  path: 'app' | 'core';
  /** Also VACUUM and measure bytes per check. */
  storage: boolean;
}

export interface WriteResult {
  checks: number;
  /** Time spent inside the recorder (record + flush), ms. */
  writeMs: number;
  rows: number;
  /** Bytes of the checks table and its indexes (dbstat, after VACUUM). */
  checksBytes: number;
  fileBytes: number;
  outages: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as WriteSpec;
  const yaml = daemonConfigYaml({ url: 'http://127.0.0.1:9', database: spec.database, concurrency: 8, maxRequestsPerSecond: 10 });
  const config = parseConfigText(yaml, 'bench', { env: daemonEnv(), requireCredentials: true });
  const app = new App(config, { logger: undefined });
  await app.open();

  const codes = Array.from({ length: spec.products }, (_, i) => `P${String(i + 1).padStart(4, '0')}`);
  const start = Math.floor(Date.UTC(2025, 0, 1) / 1000);
  await app.registry.setCodes(codes, start);
  const products = app.registry.list();
  const synthetic = new SyntheticObservations(codes, createRandom(spec.seed));
  const confirmAfter = config.alerting.confirmAfter;

  let writeMs = 0;
  let checks = 0;
  const warmup = spec.warmupCycles ?? 0;
  for (let cycle = 0; cycle < warmup + spec.cycles; cycle++) {
    const observations = synthetic.cycle(start + cycle * spec.cadenceSeconds);
    const batch: RecordedCheck[] = new Array(products.length);
    for (let i = 0; i < products.length; i++) {
      const product = products[i] as (typeof products)[number];
      const observation = observations[i] as (typeof observations)[number];
      const previous = product.state;
      const { next, events } = transition(previous, observation.status, observation.checkedAt, confirmAfter);
      product.state = next;
      batch[i] = { productId: product.id, observation, previous, next, events };
    }
    const t0 = performance.now();
    if (spec.path === 'app') {
      for (const check of batch) app.recorder.record(check);
      await app.recorder.flush();
    } else {
      await writeCheckBatch(app.store.db, batch);
    }
    if (cycle < warmup) continue;
    writeMs += performance.now() - t0;
    checks += batch.length;
  }
  if (spec.path === 'app') {
    // Rollups still folded in memory are part of the cost: write them inside the clock, as shutdown would.
    const t0 = performance.now();
    await app.rollups.flush(app.store.db);
    writeMs += performance.now() - t0;
  }

  const sqlite = app.store.sqlite;
  const rows = (sqlite.prepare('select count(*) as n from checks').get() as { n: number }).n;
  const outages = (sqlite.prepare('select count(*) as n from outages').get() as { n: number }).n;
  let checksBytes = 0;
  let fileBytes = 0;
  if (spec.storage) {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.exec('vacuum');
    const size = sqlite.prepare(
      `select sum(pgsize) as bytes from dbstat
       where name in (select name from sqlite_schema where tbl_name = 'checks' and type in ('table', 'index'))`,
    );
    checksBytes = (size.get() as { bytes: number }).bytes;
    fileBytes = (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number);
  }
  await app.stop();
  const result: WriteResult = { checks, writeMs, rows, checksBytes, fileBytes, outages };
  process.send?.({ type: 'result', result });
  process.disconnect?.();
}

main().catch(failChild);
