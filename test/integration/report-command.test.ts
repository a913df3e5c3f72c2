import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPrune, runRollup } from '../../src/cli/history-commands.js';
import { type CommandIo, runReport } from '../../src/cli/report-command.js';
import type { Config } from '../../src/config/load-config.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { listOutages } from '../../src/report/list-outages.js';
import { RollupMaintainer } from '../../src/report/rollup-maintainer.js';
import { recordCheckSequence, type ScriptedCheck } from '../helpers/record-check-sequence.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

// 2024-10-01 00:00 Malaysia time = 2024-09-30 16:00Z.
const OCT1 = Date.UTC(2024, 8, 30, 16) / 1000;
const NOW = OCT1 + 3 * 86_400;
const NAMES: Record<string, string> = {
  TNB: 'Tenaga Nasional, Berhad',
  ASTRO: 'Astro "Malaysia"',
  EVIL: '=HYPERLINK("http://example.invalid","x")',
};

function history(): ScriptedCheck[] {
  const checks: ScriptedCheck[] = [];
  for (let t = OCT1 - 3600; t < NOW - 60; t += 60) {
    const minute = Math.floor((t - OCT1) / 60);
    checks.push({ code: 'TNB', at: t, status: minute >= 100 && minute < 145 ? 'Interruption' : 'Healthy' });
    checks.push({ code: 'ASTRO', at: t + 5, status: minute >= 2000 && minute < 2010 ? 'Interruption' : 'Healthy' });
    checks.push({ code: 'EVIL', at: t + 9, status: minute >= 3000 ? 'Interruption' : 'Healthy' });
  }
  return checks;
}

const myt = (seconds: number) => `${new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 19)}+08:00`;

function capture(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (chunk: string) => {
        out += chunk;
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    stderr: {
      write: (chunk: string) => {
        err += chunk;
        return true;
      },
    } as unknown as NodeJS.WritableStream,
    clock: { now: () => NOW * 1000 },
    out: () => out,
    err: () => err,
  };
}

let temp: TempDatabase;
let config: Config;
let configText: string;
beforeEach(async () => {
  temp = await createTempDatabase();
  await recordCheckSequence(temp.store.db, history(), {
    extensions: [new RollupMaintainer({ coverageCapSeconds: 300 })],
    batchSizes: [300],
  });
  for (const [code, name] of Object.entries(NAMES))
    await temp.store.db.updateTable('products').set({ name }).where('code', '=', code).execute();
  configText = `products: [TNB, ASTRO, EVIL]\ndatabase: ${JSON.stringify(temp.path)}\n`;
  config = parseConfigText(configText, 'test.yaml', { env: {} });
});
afterEach(async () => {
  await temp.cleanup();
});

describe('netwatch report', () => {
  it('exports October outages as RFC 4180 CSV that a real parser reads back exactly, formulas defused', async () => {
    const io = capture();
    expect(await runReport(config, { outages: true, format: 'csv', from: '2024-10', to: '2024-10' }, io)).toBe(0);
    const records = parse(io.out(), { columns: true }) as Record<string, string>[];
    const expected = await listOutages(temp.store.db, { from: OCT1, to: OCT1 + 31 * 86_400, now: NOW });
    expect(expected).toHaveLength(3);
    expect(records).toEqual(
      expected.map((o) => ({
        product_code: o.productCode,
        product_name: o.productCode === 'EVIL' ? `'${NAMES.EVIL}` : (o.productName ?? ''),
        started_at: myt(o.startedAt),
        confirmed_at: myt(o.confirmedAt),
        ended_at: o.endedAt === null ? '' : myt(o.endedAt),
        recovery_confirmed_at: o.recoveryConfirmedAt === null ? '' : myt(o.recoveryConfirmedAt),
        duration_s: String(o.durationS),
        in_window_s: String(o.inWindowS),
        ongoing: o.ongoing ? 'yes' : 'no',
      })),
    );
    // Hand-checked: TNB's outage is minutes 100-145 of 1 October, Malaysia time.
    expect(records[0]).toMatchObject({
      product_code: 'TNB',
      started_at: '2024-10-01T01:40:00+08:00',
      ended_at: '2024-10-01T02:25:00+08:00',
      duration_s: '2700',
    });
  });

  it('summarises per product as CSV, JSON and a table, in UTC with --utc', async () => {
    const csvIo = capture();
    expect(await runReport(config, { format: 'csv', from: '2024-10-01', to: '2024-10-01', sort: 'uptime' }, csvIo)).toBe(0);
    const rows = parse(csvIo.out(), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.product_code)).toEqual(['TNB', 'ASTRO', 'EVIL']); // worst uptime first
    expect(rows[0]).toMatchObject({
      product_name: 'Tenaga Nasional, Berhad',
      window_start: '2024-10-01T00:00:00+08:00',
      window_end: '2024-10-02T00:00:00+08:00',
      outages: '1',
      downtime_s: '2700',
      up_s: String(86_400 - 2700),
      unmonitored_s: '0',
      uptime_pct: '96.875',
      mttr_s: '2700',
      last_outage_start: '2024-10-01T01:40:00+08:00',
    });

    const jsonIo = capture();
    expect(await runReport(config, { format: 'json', from: '2024-10-01', to: '2024-10-01', utc: true, product: ['tnb'] }, jsonIo)).toBe(0);
    const json = JSON.parse(jsonIo.out()) as {
      window: { from: string; to: string };
      products: { productCode: string; downtimeS: number }[];
    };
    expect(json.window).toMatchObject({ from: '2024-10-01T00:00:00Z', to: '2024-10-02T00:00:00Z' });
    // The UTC day starts 8 hours later: TNB's outage (17:40Z-18:25Z on 30 September) is outside it.
    expect(json.products).toEqual([expect.objectContaining({ productCode: 'TNB', downtimeS: 0 })]);

    const tableIo = capture();
    expect(await runReport(config, { from: '7d' }, tableIo)).toBe(0);
    expect(tableIo.out()).toMatch(/^Window: .*Malaysia time, GMT\+8/);
    expect(tableIo.out()).toMatch(/PRODUCT\s+NAME\s+OUTAGES\s+DOWNTIME\s+UPTIME %\s+UNMONITORED/);
    expect(tableIo.out()).toContain('=HYPERLINK'); // a table is for people: shown as is
  });

  it.each([
    [{ format: 'xml' }, /--format: expected table, csv or json/],
    [{ from: 'last tuesday' }, /--from: expected a date/],
    [{ from: '2024-10-02', to: '2024-10-01T00:00' }, /must be before --to/],
    [{ product: ['NOPE'] }, /unknown product code "NOPE"/],
    [{ sort: 'random' }, /--sort: expected/],
  ])('exits 2 with one line for bad usage %o', async (options, message) => {
    const io = capture();
    expect(await runReport(config, options, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.err().trim().split('\n')).toHaveLength(1);
    expect(io.out()).toBe('');
  });
});

describe('netwatch prune and rollup', () => {
  it('prunes by retention days, and rebuilds rollups only when asked to', async () => {
    const io = capture();
    expect(await runPrune(config, { days: '1' }, io)).toBe(0);
    expect(io.out()).toMatch(/^Deleted \d+ raw checks older than 2024-10-02T16:00:00Z \(1 days\); reclaimed \d+ pages/);
    const oldest = await temp.store.db
      .selectFrom('checks')
      .select((eb) => eb.fn.min('checked_at').as('t'))
      .executeTakeFirstOrThrow();
    expect(oldest.t).toBeGreaterThanOrEqual(NOW - 86_400);

    const bad = capture();
    expect(await runPrune(config, { days: 'x' }, bad)).toBe(2);

    const noFlag = capture();
    expect(await runRollup(config, {}, noFlag)).toBe(2);
    expect(noFlag.err()).toMatch(/pass --rebuild/);
    const rebuild = capture();
    expect(await runRollup(config, { rebuild: true }, rebuild)).toBe(0);
    expect(rebuild.out()).toMatch(/^Rebuilt rollups for 3 products from \d+ raw checks; hours before .* were kept\.\n$/);
  });

  it('is registered in the real CLI entry, with exit code 2 for bad usage', () => {
    const configPath = join(temp.dir, 'netwatch.yaml');
    writeFileSync(configPath, configText);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', configPath, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = cli('report', '--outages', '--format', 'csv', '--from', '2024-10-01', '--product', 'ASTRO');
    expect(ok.status).toBe(0);
    expect(ok.stdout.split('\r\n')[0]).toBe(
      'product_code,product_name,started_at,confirmed_at,ended_at,recovery_confirmed_at,duration_s,in_window_s,ongoing',
    );
    expect(ok.stdout).toContain('ASTRO,"Astro ""Malaysia""",2024-10-02T09:20:05+08:00');
    const bad = cli('report', '--format', 'xml');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--format: expected table, csv or json/);
  });
});
