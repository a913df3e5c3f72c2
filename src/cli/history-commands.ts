import type { Config } from '../config/load-config.js';
import { coverageCapForInterval } from '../report/coverage.js';
import { rebuildRollups } from '../report/rebuild-rollups.js';
import { isoFromSeconds, systemClock, toEpochSeconds } from '../shared/clock.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import { pruneChecks, reclaimFreePages } from '../store/retention.js';
import { EXIT } from './exit-codes.js';
import type { CommandIo } from './report-command.js';

/**
 * `netwatch prune`: deletes raw checks older than `retention.checksDays` (or
 * `--days`) in small batches, then hands the freed pages back to the file
 * system. Safe while the daemon runs. Returns 0, or 2 for a bad `--days`.
 */
export async function runPrune(
  config: Config,
  options: { days?: string },
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const days = options.days === undefined ? config.retention.checksDays : Number(options.days);
  if (!Number.isInteger(days) || days < 1) {
    io.stderr.write(`netwatch: --days: expected a whole number of days of at least 1, got "${options.days}"\n`);
    return EXIT.config;
  }
  const before = toEpochSeconds((io.clock ?? systemClock).now()) - days * 86_400;
  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const pruned = await pruneChecks(store.db, { before });
    const reclaimed = await reclaimFreePages(store);
    const pageSize = Number(store.sqlite.pragma('page_size', { simple: true }));
    io.stdout.write(
      `Deleted ${pruned.deleted} raw checks older than ${isoFromSeconds(before)} (${days} days); ` +
        `reclaimed ${reclaimed.pagesFreed} pages (${((reclaimed.pagesFreed * pageSize) / 1_048_576).toFixed(1)} MiB). Rollups and outages are kept.\n`,
    );
    if (!reclaimed.incremental)
      io.stdout.write('This file was created without auto_vacuum=INCREMENTAL; run VACUUM once, with the daemon stopped, to shrink it.\n');
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

/**
 * `netwatch rollup --rebuild`: recomputes hourly and daily rollups from the
 * raw checks still kept (older hours are left as they are). Stop the daemon
 * first: the rebuild holds the write lock until it commits.
 */
export async function runRollup(
  config: Config,
  options: { rebuild?: boolean },
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (!options.rebuild) {
    io.stderr.write('netwatch: rollup: nothing to do; pass --rebuild to recompute the rollups from raw checks\n');
    return EXIT.config;
  }
  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const result = await rebuildRollups(store.db, { coverageCapSeconds: coverageCapForInterval(config.scheduleIntervalSeconds) });
    const kept = result.fromHour === null ? '' : `; hours before ${isoFromSeconds(result.fromHour)} (raw checks pruned) were kept`;
    io.stdout.write(`Rebuilt rollups for ${result.products} products from ${result.checksRead} raw checks${kept}.\n`);
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
