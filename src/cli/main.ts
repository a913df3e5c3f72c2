#!/usr/bin/env node
import { Command, Option } from 'commander';
import { App } from '../app.js';
import {
  type GlobalOptions,
  loadCliConfig,
  reportFailure,
  runCheck,
  runConfigValidate,
  runDaemon,
  runMigrate,
  runStatus,
} from './commands.js';
import { runDemo } from './demo.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { runPrune, runRollup } from './history-commands.js';
import { runNotifyTest } from './notify-test.js';
import { type ReportCommandOptions, runReport } from './report-command.js';
import { runSilenceAdd, runSilenceList, runSilenceRemove } from './silence-commands.js';

/** The CLI is the only place that calls process.exit. */
async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('netwatch')
    .description("Watches IIMMPACT's network status for bill-payment products, records history in SQLite and alerts on confirmed changes.")
    .option('-c, --config <file>', 'config file (default: $NETWATCH_CONFIG, else config/netwatch.yaml)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .showHelpAfterError('(run netwatch --help for usage)');

  let exitCode = 0;
  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command('run')
    .description('run the daemon: poll on the schedule, record, alert, serve HTTP')
    .action(async () => {
      const options = global();
      exitCode = await runDaemon(() => new App(loadCliConfig(options, true)));
    });

  program
    .command('check')
    .description('poll once, record and alert like the daemon, and print a table')
    .option('-p, --product <code...>', 'only these product codes')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { product?: string[]; json?: boolean }) => {
      exitCode = await runCheck(new App(loadCliConfig(global(), true), { role: 'check' }), options.product, options.json ?? false);
    });

  program
    .command('status')
    .description("print each product's confirmed state, since when, last check and last error (reads the database only)")
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }) => {
      exitCode = await runStatus(loadCliConfig(global(), false), options.json ?? false);
    });

  program
    .command('migrate')
    .description('apply database migrations (the daemon also does this at start)')
    .action(async () => {
      exitCode = await runMigrate(loadCliConfig(global(), false));
    });

  program
    .command('config')
    .description('configuration commands')
    .command('validate')
    .description('check the config file and print the effective settings; exit 2 with one line per problem')
    .action(() => {
      exitCode = runConfigValidate(global());
    });

  program
    .command('demo')
    .description('run the real daemon against the built-in IIMMPACT simulator with scripted outages (no credentials needed)')
    .option('--for <duration>', 'stop by itself after this long, e.g. 90s (default: until Ctrl-C)')
    .option('--database <file>', 'database file for the demo', './data/demo.db')
    .action(async (options: { for?: string; database: string }) => {
      exitCode = await runDemo(options);
    });

  const silence = program
    .command('silence')
    .description('hold back alerts for chosen products for a while: they are recorded, not sent (stored in the database)');
  silence
    .command('add')
    .description('silence a product code or glob; if it is still in Interruption when the silence ends, one alert goes out then')
    .argument('<product>', 'product code or glob: TNB, ASTRO*, or "*" (quoted) for every product')
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 2h, 1d (at most 30d)')
    .requiredOption('--reason <text>', 'why, shown in `silence list` and on the alert sent when it ends')
    .action(async (product: string, options: { for: string; reason: string }) => {
      exitCode = await runSilenceAdd(loadCliConfig(global(), false), product, options);
    });
  silence
    .command('list')
    .description('show active silences')
    .option('--all', 'include ended and removed silences')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      exitCode = await runSilenceList(loadCliConfig(global(), false), options);
    });
  silence
    .command('remove')
    .description('end a silence now (alerts flow again; one is sent for a product still in Interruption)')
    .argument('<id>', 'silence id from `silence list`')
    .action(async (id: string) => {
      exitCode = await runSilenceRemove(loadCliConfig(global(), false), id);
    });

  program
    .command('notify-test')
    .description('send a clearly marked test message to every configured Slack and email destination and report success or the exact error')
    .addOption(new Option('--channel <channel>', 'only this channel').choices(['slack', 'email']))
    .action(async (options: { channel?: 'slack' | 'email' }) => {
      exitCode = await runNotifyTest(loadCliConfig(global(), false), options);
    });

  program
    .command('report')
    .description('uptime and outage history per product (reads the database only); see the README for the definitions')
    .option('--from <when>', 'start: 2024-10-01, 2024-10, 2024-10-01T08:00, or back from now: 7d, 12h (default 30d)')
    .option('--to <when>', 'end: a bare date or month includes all of it; default now')
    .option('-p, --product <code...>', 'only these product codes')
    .option('--format <format>', 'table, csv (RFC 4180, ISO-8601 times) or json', 'table')
    .option('--outages', 'list each outage instead of the per-product summary')
    .option('--sort <key>', 'summary order: code, uptime (worst first) or downtime (most first)', 'code')
    .option('--utc', 'read and show times in UTC instead of Malaysia time (GMT+8)')
    .action(async (options: ReportCommandOptions) => {
      exitCode = await runReport(loadCliConfig(global(), false), options);
    });

  program
    .command('prune')
    .description('delete raw checks older than retention.checksDays in small batches and reclaim the space (the daemon does this daily)')
    .option('--days <n>', 'keep this many days instead of retention.checksDays')
    .action(async (options: { days?: string }) => {
      exitCode = await runPrune(loadCliConfig(global(), false), options);
    });

  program
    .command('rollup')
    .description('maintain the hourly and daily rollups behind reports')
    .option('--rebuild', 'recompute them from the raw checks still kept (stop the daemon first)')
    .action(async (options: { rebuild?: boolean }) => {
      exitCode = await runRollup(loadCliConfig(global(), false), options);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    return reportFailure(error);
  }
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Let pino flush, then leave even if a stray handle stays open.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (error: unknown) => {
    process.exitCode = reportFailure(error);
  },
);
