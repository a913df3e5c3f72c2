import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDurationSeconds } from '../../src/shared/duration.js';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { createTempDir, DaemonProcess, writeConfig } from '../helpers/daemon-process.js';

/**
 * The real CLI entry, `netwatch run`, with a 1-second schedule against the
 * simulator. Scripts are consumed one step per request; `retries: 0` keeps one
 * request per product per cycle, so the script positions are the cycles.
 */

let simulator: Simulator;
let dir: string;
let daemons: DaemonProcess[] = [];

function startDaemon(dbPath: string): DaemonProcess {
  const configPath = writeConfig(
    dir,
    `
api:
  baseUrl: ${simulator.url}
  apiKey: \${IIMMPACT_API_KEY}
  hmacSecret: \${IIMMPACT_HMAC_SECRET}
  timeoutMs: 2000
  concurrency: 4
  maxRequestsPerSecond: 200
  retries: 0
schedule: "* * * * * *"
products: [TNB, UNIFI, ASTRO, MAXIS]
database: ${dbPath}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
http:
  enabled: false
`,
  );
  const daemon = new DaemonProcess(['run', '--config', configPath], {
    IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey,
    IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret,
  });
  daemons.push(daemon);
  return daemon;
}

beforeEach(async () => {
  simulator = await startSimulator();
  dir = createTempDir();
});

afterEach(async () => {
  for (const daemon of daemons) await daemon.stop('SIGKILL').catch(() => undefined);
  daemons = [];
  await simulator.close();
});

describe('netwatch run (end to end)', () => {
  it('records every check, confirms one outage each way, and ignores blips, errors and unknown values', async () => {
    simulator.script('TNB', ['Healthy', 'Healthy', 'Interruption', 'Interruption', 'Interruption', 'Healthy', 'Healthy']);
    simulator.script('UNIFI', ['Healthy', 'Healthy', 'Interruption', 'Healthy', 'Healthy', 'Healthy', 'Healthy']);
    simulator.script('ASTRO', [
      'Healthy',
      'Healthy',
      { garbage: 'not json' },
      { networkStatus: 'Maintenance' },
      { status: 401 },
      { networkStatus: null },
      'Healthy',
    ]);
    const dbPath = join(dir, 'netwatch.db');
    const daemon = startDaemon(dbPath);

    await daemon.waitFor((line) => line.msg.startsWith('ALERT RECOVERED TNB'));
    // Let the remaining scripted steps play out, then stop cleanly.
    await daemon.waitFor(() => simulator.scriptedRemaining('ASTRO') === 0 && simulator.scriptedRemaining('UNIFI') === 0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await daemon.stop('SIGTERM')).toBe(0);

    const alerts = daemon.alerts().map((line) => line.msg);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatch(/^ALERT INTERRUPTION TNB - Tenaga Nasional Berhad: since/);
    expect(alerts[1]).toMatch(/^ALERT RECOVERED TNB - Tenaga Nasional Berhad: down /);

    const db = new Database(dbPath, { readonly: true });
    try {
      const checks = db.prepare("select * from v_checks where product_code = 'TNB' order by checked_at").all() as Array<{
        status: string;
        checked_at: string;
      }>;
      expect(checks.slice(0, 7).map((c) => c.status)).toEqual([
        'Healthy',
        'Healthy',
        'Interruption',
        'Interruption',
        'Interruption',
        'Healthy',
        'Healthy',
      ]);
      for (const check of checks) expect(check.checked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const outages = db.prepare('select * from v_outages').all() as Array<{
        product_code: string;
        started_at: string;
        ended_at: string;
        duration_s: number;
      }>;
      expect(outages).toHaveLength(1);
      expect(outages[0]?.product_code).toBe('TNB');
      // started_at = the first Interruption check; ended_at = the first Healthy check after it.
      expect(outages[0]?.started_at).toBe(checks[2]?.checked_at);
      expect(outages[0]?.ended_at).toBe(checks[5]?.checked_at);
      expect(outages[0]?.duration_s).toBe((Date.parse(checks[5]!.checked_at) - Date.parse(checks[2]!.checked_at)) / 1000);
      expect(alerts[1]).toContain(`down ${formatDurationSeconds(outages[0]!.duration_s)},`);

      const astro = db
        .prepare("select status, http_status, error from v_checks where product_code = 'ASTRO' order by checked_at")
        .all() as Array<{ status: string; http_status: number | null; error: string | null }>;
      expect(astro.slice(2, 6).map((c) => c.status)).toEqual(['Unknown', 'Unknown', 'Unknown', 'Unknown']);
      expect(astro[2]?.error).toMatch(/JSON/i);
      expect(astro[3]?.error).toContain('Maintenance');
      expect(astro[4]?.http_status).toBe(401);
      expect(astro[4]?.error).toMatch(/^auth failed: check IIMMPACT_API_KEY \/ HMAC secret/);

      const names = db.prepare('select code, name, img from products order by code').all() as Array<{
        code: string;
        name: string;
        img: string;
      }>;
      expect(names.find((p) => p.code === 'TNB')?.name).toBe('Tenaga Nasional Berhad');
      const events = db.prepare('select kind from alert_events order by id').all() as Array<{ kind: string }>;
      expect(events.map((e) => e.kind)).toEqual(['interruption', 'recovery']);
      const auth = daemon.lines.find((line) => line.errorKind === 'auth');
      expect(auth?.product).toBe('ASTRO');
    } finally {
      db.close();
    }
  });

  it('resumes after a restart mid-outage: no duplicate alert, and the recovery is still detected', async () => {
    simulator.setStatus('TNB', 'Interruption');
    const dbPath = join(dir, 'restart.db');
    const first = startDaemon(dbPath);
    await first.waitFor((line) => line.msg.startsWith('ALERT INTERRUPTION TNB'));
    expect(await first.stop('SIGTERM')).toBe(0);

    // Still down for a few checks after the restart, then recovered.
    simulator.script('TNB', ['Interruption', 'Interruption', 'Interruption']);
    simulator.setStatus('TNB', 'Healthy');
    const second = startDaemon(dbPath);
    await second.waitFor((line) => line.msg.startsWith('ALERT RECOVERED TNB'));
    expect(await second.stop('SIGTERM')).toBe(0);

    expect(first.alerts().map((line) => line.msg.split(':')[0])).toEqual(['ALERT INTERRUPTION TNB - Tenaga Nasional Berhad']);
    expect(second.alerts().map((line) => line.msg.split(':')[0])).toEqual(['ALERT RECOVERED TNB - Tenaga Nasional Berhad']);

    const db = new Database(dbPath, { readonly: true });
    try {
      const outages = db.prepare('select started_at, ended_at from outages').all() as Array<{
        started_at: number;
        ended_at: number | null;
      }>;
      expect(outages).toHaveLength(1);
      expect(outages[0]?.ended_at).not.toBeNull();
      const firstInterruption = db.prepare('select min(checked_at) as t from checks where status = 2').get() as { t: number };
      expect(outages[0]?.started_at).toBe(firstInterruption.t);
    } finally {
      db.close();
    }
  });
});
