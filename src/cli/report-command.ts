import type { Config } from '../config/load-config.js';
import { buildReport } from '../report/build-report.js';
import { formatLocalTime, zoneLabel } from '../report/format-time.js';
import { listOutages } from '../report/list-outages.js';
import { parseReportWindow, type ReportTimeZone } from '../report/parse-report-window.js';
import { outagesCsv, outagesJson, type ReportSort, sortReportRows, summaryCsv, summaryJson } from '../report/render-report.js';
import { ReportInputError } from '../report/report-input-error.js';
import { type Clock, systemClock, toEpochSeconds } from '../shared/clock.js';
import { formatDurationSeconds } from '../shared/duration.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './format-table.js';

export interface ReportCommandOptions {
  from?: string;
  to?: string;
  product?: string[];
  format?: string;
  outages?: boolean;
  utc?: boolean;
  sort?: string;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  clock?: Clock;
}

const FORMATS = ['table', 'csv', 'json'] as const;
const SORTS: readonly ReportSort[] = ['code', 'uptime', 'downtime'];

/**
 * `netwatch report`: the per-product summary (or, with --outages, the outage
 * list) for a window. Reads the database only. Returns 0, or 2 for bad
 * usage (the reason goes to stderr); database failures propagate.
 */
export async function runReport(
  config: Config,
  options: ReportCommandOptions,
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const format = (options.format ?? 'table') as (typeof FORMATS)[number];
  const sort = (options.sort ?? 'code') as ReportSort;
  if (!FORMATS.includes(format)) return usage(io, `--format: expected table, csv or json, got "${options.format}"`);
  if (!SORTS.includes(sort)) return usage(io, `--sort: expected code, uptime or downtime, got "${options.sort}"`);
  const zone: ReportTimeZone = options.utc ? 'utc' : 'malaysia';
  const now = toEpochSeconds((io.clock ?? systemClock).now());

  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const window = parseReportWindow(
      { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}), zone },
      now,
    );
    const products = options.product ?? [];
    if (options.outages) {
      const outages = await listOutages(store.db, { ...window, now, products });
      const shown = { from: window.from, to: Math.min(window.to, now) };
      if (format === 'csv') io.stdout.write(outagesCsv(outages, zone));
      else if (format === 'json') io.stdout.write(`${JSON.stringify(outagesJson(outages, shown, zone), null, 2)}\n`);
      else {
        io.stdout.write(`${windowLine(shown, zone, false)}\n\n`);
        io.stdout.write(
          outages.length === 0
            ? 'No outages in this window.\n'
            : `${formatTable(
                ['PRODUCT', 'NAME', 'STARTED', 'ENDED', 'DURATION', 'IN WINDOW'],
                outages.map((row) => [
                  row.productCode,
                  row.productName ?? '',
                  formatLocalTime(row.startedAt, zone),
                  row.endedAt === null ? '(ongoing)' : formatLocalTime(row.endedAt, zone),
                  formatDurationSeconds(row.durationS),
                  formatDurationSeconds(row.inWindowS),
                ]),
              )}\n`,
        );
      }
      return EXIT.ok;
    }

    const report = await buildReport(store.db, { ...window, now, products });
    report.rows = sortReportRows(report.rows, sort);
    if (format === 'csv') io.stdout.write(summaryCsv(report, zone));
    else if (format === 'json') io.stdout.write(`${JSON.stringify(summaryJson(report, zone), null, 2)}\n`);
    else {
      io.stdout.write(`${windowLine(report, zone, report.edgesRoundedToHours)}\n\n`);
      io.stdout.write(
        report.rows.length === 0
          ? 'No checks or outages recorded in this window.\n'
          : `${formatTable(
              ['PRODUCT', 'NAME', 'OUTAGES', 'DOWNTIME', 'UPTIME %', 'UNMONITORED', 'MTTR', 'LONGEST', 'LAST OUTAGE START'],
              report.rows.map((row) => [
                row.productCode,
                row.productName ?? '',
                String(row.outages),
                formatDurationSeconds(row.downtimeS),
                row.uptimePct === null ? '-' : row.uptimePct.toFixed(3),
                `${formatDurationSeconds(row.unmonitoredS)}${row.unmonitoredPct ? ` (${row.unmonitoredPct.toFixed(1)}%)` : ''}`,
                row.mttrS === null ? '-' : formatDurationSeconds(row.mttrS),
                row.longestOutageS === null ? '-' : formatDurationSeconds(row.longestOutageS),
                row.lastOutageStartedAt === null ? '-' : formatLocalTime(row.lastOutageStartedAt, zone),
              ]),
            )}\n`,
      );
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ReportInputError) return usage(io, error.message);
    throw error;
  } finally {
    await store.close();
  }
}

function windowLine(window: { from: number; to: number }, zone: ReportTimeZone, rounded: boolean): string {
  const note = rounded ? ' (edges widened to whole hours: raw checks there are pruned)' : '';
  return `Window: ${formatLocalTime(window.from, zone)} to ${formatLocalTime(window.to, zone)} (${zoneLabel(zone)}), ${formatDurationSeconds(window.to - window.from)}${note}`;
}

function usage(io: CommandIo, message: string): number {
  io.stderr.write(`netwatch: ${message}\n`);
  return EXIT.config;
}
