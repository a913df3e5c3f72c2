import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '../../src/domain/observation.js';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../../src/domain/product-state.js';
import type { CheckStatus } from '../../src/domain/status.js';
import { transition } from '../../src/domain/transition.js';
import { CheckRecorder } from '../../src/poller/check-recorder.js';
import { createLogger } from '../../src/shared/logger.js';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { ensureProducts } from '../../src/store/product-repository.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { CliChild, compiledCli, eventually, runCli } from '../helpers/reliability-cli.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';
import { canMountTmpfs, mountTmpfs, remount, unmount } from '../helpers/tmpfs-mount.js';

/**
 * Storage failing under a running daemon: a full disk, a read-only or
 * unusable data directory, and other processes holding the database.
 */

const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };
const PRODUCTS = ['TNB', 'UNIFI', 'ASTRO'];

let dir: string;
let simulator: Simulator;
const children: CliChild[] = [];
const mounts: string[] = [];
/** Mounting needs root and a permissive sandbox; without it the tmpfs cases are reported as skipped. */
const MOUNTABLE = canMountTmpfs(join(tmpdir(), `netwatch-mount-probe-${process.pid}`));

beforeAll(async () => {
  dir = createTempDir('netwatch-storage-');
  simulator = await startSimulator();
});

afterEach(async () => {
  for (const child of children.splice(0)) await child.stop('SIGKILL');
});

afterAll(async () => {
  for (const mount of mounts) unmount(mount);
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

function daemonConfig(database: string, extra = ''): string {
  return `
api:
  baseUrl: ${simulator.url}
  timeoutMs: 2000
  maxRequestsPerSecond: 50
  retries: 0
schedule: "* * * * * *"
products: [${PRODUCTS.join(', ')}]
database: ${database}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
${extra}`;
}

async function startDaemon(name: string, database: string, extra = 'http:\n  enabled: false\n'): Promise<CliChild> {
  // Each daemon test compares stored checks with the requests the simulator counted.
  simulator.reset();
  const configPath = writeConfig(mkdirIn(name), daemonConfig(database, extra));
  const child = new CliChild(await compiledCli(), ['run', '--config', configPath], { env: ENV });
  children.push(child);
  return child;
}

function mkdirIn(name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** Fills the file system holding `dir` with one file until the kernel says ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 0x78);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe('a full disk', () => {
  it.skipIf(!MOUNTABLE)(
    'on a small tmpfs: logs SQLITE_FULL, turns /readyz red, keeps polling and every check in memory, and loses none once space is back',
    { timeout: 120_000 },
    async () => {
      const disk = join(dir, 'small-disk');
      expect(mountTmpfs(disk, { sizeBytes: 3 * 1024 * 1024 })).toBe(true);
      mounts.push(disk);
      const dbPath = join(disk, 'netwatch.db');
      const d = await startDaemon('disk-full', dbPath, 'http:\n  port: 0\n');
      const httpUrl = String((await d.waitFor((line) => line.msg === 'HTTP server listening', 60_000)).url);
      await d.until(() => d.linesWith('cycle finished').length >= 2, 30_000, 'two cycles');

      const filler = join(disk, 'filler');
      fillDisk(filler);
      const full = await d.waitFor((line) => line.msg === 'writing checks failed; keeping them in memory and retrying', 30_000);
      expect(String(full.err)).toMatch(/database or disk is full/);
      const cyclesWhenFull = d.linesWith('cycle finished').length;
      // Polling goes on while nothing can be written, and the failure is loud and counted.
      await d.until(() => d.linesWith('cycle finished').length >= cyclesWhenFull + 3, 30_000, 'three more cycles on a full disk');
      const failures = d.linesWith('writing checks failed; keeping them in memory and retrying');
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(Number(failures.at(-1)?.queued)).toBeGreaterThan(Number(failures[0]?.queued));
      expect(Number(failures.at(-1)?.failures)).toBeGreaterThan(1);
      const notReady = await fetch(`${httpUrl}readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toMatch(/database or disk is full/);
      expect(d.running).toBe(true);

      rmSync(filler);
      await eventually(async () => (await fetch(`${httpUrl}readyz`)).status === 200, 30_000, '/readyz to recover');
      await d.until(() => d.linesWith('cycle finished').length >= cyclesWhenFull + 5, 30_000, 'cycles after recovery');
      expect(await d.stop('SIGTERM')).toBe(0);

      // Nothing was lost: one stored check per request the API answered (retries are off).
      const db = new Database(dbPath, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        for (const code of PRODUCTS) {
          const stored = db.prepare('select count(*) as n from v_checks where product_code = ?').get(code) as { n: number };
          expect([code, stored.n]).toEqual([code, simulator.requestCount(code)]);
        }
      } finally {
        db.close();
      }
    },
  );

  it('in process, with PRAGMA max_page_count: the batch stays queued in order with its alert, and lands in full once there is room', async () => {
    const temp: TempDatabase = await createTempDatabase('netwatch-max-pages-');
    try {
      const logs: Array<Record<string, unknown>> = [];
      const logger = createLogger({
        level: 'info',
        destination: new Writable({
          write(chunk: Buffer, _encoding, callback) {
            for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
            callback();
          },
        }),
      });
      let alertsCommitted = 0;
      const recorder = new CheckRecorder({
        db: temp.store.db,
        logger,
        flushAfterMs: 60_000,
        onAlertsCommitted: () => (alertsCommitted += 1),
      });
      const products = await ensureProducts(temp.store.db, ['TNB', 'UNIFI'], 1_700_000_000);
      const states = new Map<number, ProductState>();
      let at = 1_700_000_000;
      const record = (code: string, status: CheckStatus, error: string | null = null) => {
        const id = products.get(code)?.id as number;
        const previous = states.get(id) ?? INITIAL_PRODUCT_STATE;
        const { next, events } = transition(previous, status, at, 2);
        states.set(id, next);
        recorder.record({ productId: id, observation: observationOf(code, status, at, error), previous, next, events });
      };
      for (let i = 0; i < 2; i++, at += 60) {
        record('TNB', 'Healthy');
        record('UNIFI', 'Healthy');
      }
      await recorder.flush();

      // The disk is now full: no page may be added.
      const pages = Number(temp.store.sqlite.pragma('page_count', { simple: true }));
      temp.store.sqlite.pragma(`max_page_count = ${pages}`);
      for (let i = 0; i < 200; i++, at += 60) {
        record(
          'TNB',
          i < 2 ? 'Interruption' : i % 7 === 0 ? 'Unknown' : 'Interruption',
          i % 7 === 0 ? `timeout ${'x'.repeat(150)} ${i}` : null,
        );
        record('UNIFI', 'Healthy');
      }
      await recorder.flush();
      await recorder.flush();
      const failures = logs.filter((line) => line.msg === 'writing checks failed; keeping them in memory and retrying');
      expect(failures).toHaveLength(2);
      expect(String(failures[0]?.err)).toMatch(/database or disk is full/);
      expect(failures.map((line) => line.failures)).toEqual([1, 2]);
      expect(recorder.pending).toBe(400);
      expect(alertsCommitted).toBe(0);
      expect(temp.store.sqlite.prepare('select count(*) as n from checks').get()).toEqual({ n: 4 });

      // Space again: one flush writes everything, in order, with the outage and its alert.
      temp.store.sqlite.pragma('max_page_count = 1073741823');
      await recorder.flush();
      expect(recorder.pending).toBe(0);
      expect(alertsCommitted).toBe(1);
      const stored = temp.store.sqlite.prepare('select count(*) as n from checks').get() as { n: number };
      expect(stored.n).toBe(404);
      const outages = temp.store.sqlite.prepare('select started_at, ended_at from outages').all();
      expect(outages).toEqual([{ started_at: 1_700_000_000 + 120, ended_at: null }]);
      expect(temp.store.sqlite.prepare('select kind from alert_events').pluck().all()).toEqual(['interruption']);
      const tnbState = temp.store.sqlite
        .prepare('select confirmed, last_checked_at from product_state where product_id = ?')
        .get(products.get('TNB')?.id) as { confirmed: number; last_checked_at: number };
      expect(tnbState).toEqual({ confirmed: 2, last_checked_at: at - 60 });
      await recorder.close();
    } finally {
      await temp.cleanup();
    }
  });
});

describe('an unusable data directory', () => {
  it.skipIf(!MOUNTABLE)(
    'exits 2 with a clear message when the directory is read-only, with or without an existing database',
    { timeout: 120_000 },
    async () => {
      const entry = await compiledCli();
      // No database yet, read-only directory.
      const empty = join(dir, 'ro-empty');
      expect(mountTmpfs(empty, { sizeBytes: 1024 * 1024, readOnly: true })).toBe(true);
      mounts.push(empty);
      const first = await runCli(
        entry,
        ['run', '--config', writeConfig(mkdirIn('ro-empty-config'), daemonConfig(join(empty, 'netwatch.db'), 'http:\n  enabled: false\n'))],
        ENV,
      );
      expect(first.status).toBe(2);
      expect(first.stderr.trim()).toBe(
        `netwatch: cannot open database ${empty}/netwatch.db: unable to open database file (${empty} is on a read-only file system; the database and its -wal/-shm files need a writable directory)`,
      );
      expect(first.stderr).not.toMatch(/\n\s+at /);

      // An existing database on a file system that has since become read-only.
      const existing = join(dir, 'ro-existing');
      expect(mountTmpfs(existing, { sizeBytes: 4 * 1024 * 1024 })).toBe(true);
      mounts.push(existing);
      const configPath = writeConfig(
        mkdirIn('ro-existing-config'),
        daemonConfig(join(existing, 'netwatch.db'), 'http:\n  enabled: false\n'),
      );
      expect((await runCli(entry, ['migrate', '--config', configPath], ENV)).status).toBe(0);
      expect(remount(existing, true)).toBe(true);
      const second = await runCli(entry, ['run', '--config', configPath], ENV);
      expect(second.status).toBe(2);
      expect(second.stderr.trim()).toMatch(
        new RegExp(`^netwatch: cannot open database ${existing}/netwatch\\.db: .*\\(${existing} is on a read-only file system;`),
      );
      expect(second.stdout).not.toContain('netwatch started');
    },
  );

  it('creates a missing data directory, and exits 2 when a path component is a file', { timeout: 60_000 }, async () => {
    const entry = await compiledCli();
    const missing = join(dir, 'missing', 'deeper', 'netwatch.db');
    const ok = await runCli(entry, ['migrate', '--config', writeConfig(mkdirIn('missing-config'), daemonConfig(missing))], ENV);
    expect(ok.status).toBe(0);
    expect(existsSync(missing)).toBe(true);

    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const bad = await runCli(
      entry,
      ['run', '--config', writeConfig(mkdirIn('blocked-config'), daemonConfig(join(blocker, 'netwatch.db')))],
      ENV,
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^netwatch: cannot open database .*a-file\/netwatch\.db: /m);
  });
});

describe('other processes holding the database', () => {
  it('copes with a long reader and a writer shorter than busy_timeout: no failed write, no lost check (WAL)', {
    timeout: 120_000,
  }, async () => {
    const dbPath = join(mkdirIn('shared-db'), 'netwatch.db');
    const d = await startDaemon('shared-db-config', dbPath);
    await d.until(() => d.linesWith('cycle finished').length >= 2, 30_000, 'two cycles');
    const analyst = new Database(dbPath, { readonly: true });
    const writer = new Database(dbPath);
    try {
      // An analyst's long read transaction: 4 s with a snapshot open.
      analyst.exec('BEGIN');
      const before = (analyst.prepare('select count(*) as n from checks').get() as { n: number }).n;
      const cycles = d.linesWith('cycle finished').length;
      await d.until(() => d.linesWith('cycle finished').length >= cycles + 3, 30_000, 'cycles during the read');
      expect((analyst.prepare('select count(*) as n from checks').get() as { n: number }).n).toBe(before);
      analyst.exec('COMMIT');

      // Another writer (e.g. `sqlite3` running an UPDATE) holds the write lock for 2 s.
      writer.exec('BEGIN IMMEDIATE');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      writer.exec('COMMIT');
      const after = d.linesWith('cycle finished').length;
      await d.until(() => d.linesWith('cycle finished').length >= after + 2, 30_000, 'cycles after the lock');
    } finally {
      if (analyst.inTransaction) analyst.exec('COMMIT');
      analyst.close();
      writer.close();
    }
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(d.lines.filter((line) => line.level === 'error')).toEqual([]);
    const db = new Database(dbPath, { readonly: true });
    try {
      for (const code of PRODUCTS) {
        const stored = db.prepare('select count(*) as n from v_checks where product_code = ?').get(code) as { n: number };
        expect([code, stored.n]).toEqual([code, simulator.requestCount(code)]);
      }
    } finally {
      db.close();
    }
  });
});

function observationOf(code: string, status: CheckStatus, at: number, error: string | null): Observation {
  return {
    productCode: code,
    status,
    checkedAt: at,
    latencyMs: 50,
    httpStatus: status === 'Unknown' ? null : 200,
    error: status === 'Unknown' ? error : null,
    errorKind: status === 'Unknown' ? 'timeout' : null,
    productName: null,
    productImg: null,
    sourceUpdatedAt: null,
  };
}
