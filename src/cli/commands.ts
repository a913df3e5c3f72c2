import type { App, CycleRecord } from '../app.js';
import { ConfigError } from '../config/config-error.js';
import { type Config, loadConfig, resolveConfigPath } from '../config/load-config.js';
import { isoFromSeconds } from '../shared/clock.js';
import { NetwatchError } from '../shared/errors.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import { queryProductStatus } from '../store/status-query.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './format-table.js';

export interface GlobalOptions {
  config?: string;
}

/** Loads the config named by `--config`, `$NETWATCH_CONFIG` or the default. Throws ConfigError. */
export function loadCliConfig(options: GlobalOptions, requireCredentials: boolean): Config {
  return loadConfig(resolveConfigPath(options.config), { requireCredentials });
}

/**
 * Runs the daemon until SIGINT/SIGTERM, then drains and resolves with the exit
 * code. A second signal, or a drain longer than 10 s, forces exit 1.
 *
 * SIGHUP reloads the configuration: `createApp` is called again; an invalid
 * new config is rejected with a log line and the running daemon is kept. A
 * valid one replaces the daemon in-process (drain the old, start the new), so
 * every component sees one consistent config and nothing is half-applied.
 */
export async function runDaemon(createApp: () => App): Promise<number> {
  let app = createApp();
  await app.start();
  return new Promise((resolve) => {
    let stopping = false;
    let reloading: Promise<void> = Promise.resolve();

    const onReload = () => {
      reloading = reloading.then(async () => {
        if (stopping) return;
        let next: App;
        try {
          next = createApp();
        } catch (error) {
          const problems = error instanceof ConfigError ? error.problems : [error instanceof Error ? error.message : String(error)];
          app.logger.error({ problems }, `config reload rejected; keeping the current configuration: ${problems.join('; ')}`);
          return;
        }
        app.logger.info('config reload accepted; restarting components with the new configuration');
        await app.stop();
        app = next;
        try {
          await app.start();
        } catch (error) {
          app.logger.fatal({ err: error }, 'restart after config reload failed');
          stopping = true;
          resolve(EXIT.failure);
        }
      });
    };

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        app.logger.error({ signal }, 'second signal; exiting without draining');
        resolve(EXIT.failure);
        return;
      }
      stopping = true;
      app.logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        app.logger.error('shutdown took longer than 10 s; exiting');
        resolve(EXIT.failure);
      }, 10_000);
      force.unref();
      reloading
        .then(() => app.stop())
        .then(() => resolve(EXIT.ok))
        .catch((error: unknown) => {
          app.logger.error({ err: error }, 'shutdown failed');
          resolve(EXIT.failure);
        })
        .finally(() => clearTimeout(force));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.on('SIGHUP', onReload);
  });
}

/** `netwatch check`: one cycle, recorded and alerted like the daemon, printed as a table or JSON. */
export async function runCheck(app: App, codes: readonly string[] | undefined, json: boolean): Promise<number> {
  await app.open();
  let record: CycleRecord;
  try {
    record = await app.pollCycle(undefined, codes && codes.length > 0 ? codes : undefined);
    await app.recorder.flush();
    app.outbox.wake();
    await app.outbox.idle();
    const rows = await queryProductStatus(
      app.store.db,
      app.registry.list().map((product) => product.code),
    );
    if (json) {
      process.stdout.write(`${JSON.stringify({ cycle: record.summary, products: rows.map(statusJson) }, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${formatTable(
          ['PRODUCT', 'NAME', 'LAST CHECK', 'CONFIRMED', 'HTTP', 'ERROR'],
          rows.map((row) => [
            row.code,
            row.name ?? '',
            row.lastStatus ?? '-',
            row.state ?? '(confirming)',
            row.lastHttpStatus === null ? '-' : String(row.lastHttpStatus),
            row.lastError ?? '',
          ]),
        )}\n`,
      );
    }
  } finally {
    await app.stop();
  }
  if (record.summary.interruption > 0) return EXIT.interruption;
  if (record.summary.unknown > 0) return EXIT.unknown;
  return EXIT.ok;
}

/** `netwatch status`: reads the database only; makes no API call. */
export async function runStatus(config: Config, json: boolean): Promise<number> {
  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const rows = await queryProductStatus(store.db);
    if (json) {
      process.stdout.write(`${JSON.stringify({ products: rows.map(statusJson) }, null, 2)}\n`);
    } else if (rows.length === 0) {
      process.stdout.write('No checks recorded yet. Start the daemon with `netwatch run`, or try `netwatch check`.\n');
    } else {
      process.stdout.write(
        `${formatTable(
          ['PRODUCT', 'NAME', 'STATE', 'SINCE (UTC)', 'LAST CHECK (UTC)', 'LAST RESULT', 'LAST ERROR'],
          rows.map((row) => [
            row.code,
            row.name ?? '',
            row.state ?? '(confirming)',
            row.since === null ? '-' : isoFromSeconds(row.since),
            row.lastCheckedAt === null ? '-' : isoFromSeconds(row.lastCheckedAt),
            row.lastStatus ?? '-',
            row.lastError ?? '',
          ]),
        )}\n`,
      );
    }
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

export async function runMigrate(config: Config): Promise<number> {
  const store = openDatabase(config.database);
  try {
    const applied = await migrateToLatest(store.db);
    process.stdout.write(applied.length > 0 ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
  } finally {
    await store.close();
  }
  return EXIT.ok;
}

/** `netwatch config validate`: prints the effective settings (no secrets) or the problems. */
export function runConfigValidate(options: GlobalOptions): number {
  const config = loadCliConfig(options, true);
  const products = config.products === 'all' ? 'all (from /v2/product-list)' : `${config.products.length} (${config.products.join(', ')})`;
  const channels =
    [config.alerting.slack ? 'slack' : null, config.alerting.email ? 'email' : null].filter(Boolean).join(', ') || 'console only';
  process.stdout.write(
    [
      `${config.source}: OK`,
      `  api          ${new URL(config.api.baseUrl).origin}, ${config.requestRate} req/s, concurrency ${config.api.concurrency}, timeout ${config.api.timeoutMs} ms`,
      `  schedule     ${config.schedule} (every ${config.scheduleIntervalSeconds} s)`,
      `  products     ${products}`,
      `  database     ${config.database}`,
      `  alerting     confirmAfter ${config.alerting.confirmAfter}, channels: ${channels}`,
      ...config.warnings.map((warning) => `  warning      ${warning}`),
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

function statusJson(row: Awaited<ReturnType<typeof queryProductStatus>>[number]) {
  const iso = (seconds: number | null) => (seconds === null ? null : isoFromSeconds(seconds));
  return {
    code: row.code,
    name: row.name,
    state: row.state,
    since: iso(row.since),
    lastCheckedAt: iso(row.lastCheckedAt),
    lastStatus: row.lastStatus,
    lastHttpStatus: row.lastHttpStatus,
    lastError: row.lastError,
    unknownSince: iso(row.unknownSince),
  };
}

/** Maps any error escaping a command to an exit code, printing one readable line per problem. */
export function reportFailure(error: unknown): number {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`netwatch: ${problem}\n`);
    return EXIT.config;
  }
  if (error instanceof NetwatchError && error.code === 'db_unavailable') {
    process.stderr.write(`netwatch: ${error.message}\n`);
    return EXIT.config;
  }
  process.stderr.write(`netwatch: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failure;
}
